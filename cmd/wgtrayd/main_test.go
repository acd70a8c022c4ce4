package main

import (
	"testing"

	"github.com/wgtray/wgtray/internal/testbuild"
)

func TestMain(m *testing.M) { testbuild.Main(m) }

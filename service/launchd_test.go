package service

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

func TestLaunchdJobOfInstallIsTheOnePackagingInstalls(t *testing.T) {
	shipped, err := os.ReadFile("../packaging/macos/wgtrayd.plist")
	if err != nil {
		t.Fatal(err)
	}
	want := regexp.MustCompile(`(?s)<!--.*?-->\n`).ReplaceAllString(string(shipped), "")
	got := strings.NewReplacer(
		"{{Name | html}}", serviceName,
		"{{Path | html}}", "/usr/local/bin/wgtrayd",
		"{{range Arguments}}\t\t<string>{{. | html}}</string>\n{{end}}", "\t\t<string>run</string>\n",
	).Replace(launchdPlist)
	if got != want {
		t.Errorf("wgtrayd install writes:\n%s\npackaging/macos/wgtrayd.plist has:\n%s", got, want)
	}
}

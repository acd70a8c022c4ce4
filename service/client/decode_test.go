package client

import (
	"encoding"
	"encoding/json"
	"fmt"
	"net/netip"
	"reflect"
	"testing"
	"time"

	jsonv2 "github.com/go-json-experiment/json"

	"github.com/wgtray/wgtray/service/api"
)

// The service writes its answers with encoding/json and the client reads
// them with json/v2: every answer, every field set, must read back as
// encoding/json reads it.
func TestAnswersReadAsTheServiceWroteThem(t *testing.T) {
	answers := []any{
		api.VersionInfo{}, []api.Tunnel{}, api.Tunnel{}, api.UpdateResult{}, api.Status{},
		api.KillSwitch{}, api.Networks{}, api.TrustedNetwork{}, api.Event{}, api.LogEntry{},
		api.ErrorBody{}, api.RosenpassKey{},
	}
	for _, a := range answers {
		typ := reflect.TypeOf(a)
		t.Run(typ.String(), func(t *testing.T) {
			v := reflect.New(typ)
			fill(t, v.Elem(), 0)
			b, err := json.Marshal(v.Interface())
			if err != nil {
				t.Fatal(err)
			}
			want, got := reflect.New(typ), reflect.New(typ)
			if err := json.Unmarshal(b, want.Interface()); err != nil {
				t.Fatal(err)
			}
			if err := jsonv2.Unmarshal(b, got.Interface()); err != nil {
				t.Fatalf("json/v2 cannot read %s: %v", b, err)
			}
			if !reflect.DeepEqual(got.Interface(), want.Interface()) {
				t.Errorf("json/v2 read %s\nas   %+v\nwant %+v", b, got.Elem(), want.Elem())
			}
		})
	}
}

// fill sets every field reachable from v to a value that is not its zero.
func fill(t *testing.T, v reflect.Value, depth int) {
	if depth > 8 {
		t.Fatalf("%s nests too deep to fill", v.Type())
	}
	switch x := v.Addr().Interface().(type) {
	case *time.Time:
		*x = time.Date(2026, 12, 5, 9, 30, 1, 500, time.UTC)
		return
	case *netip.Addr:
		*x = netip.MustParseAddr("fd00::1")
		return
	case *netip.Prefix:
		*x = netip.MustParsePrefix("10.1.2.0/24")
		return
	case encoding.TextUnmarshaler:
		t.Fatalf("no value to fill %s with", v.Type())
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString("x\"é\n" + v.Type().Name())
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(-7)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(1<<v.Type().Bits() - 1)
	case reflect.Array:
		for i := range v.Len() {
			fill(t, v.Index(i), depth+1)
		}
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(t, v.Elem(), depth+1)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range 2 {
			fill(t, v.Index(i), depth+1)
		}
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		for i := range 2 {
			k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
			k.SetString(fmt.Sprint("key", i))
			fill(t, e, depth+1)
			v.SetMapIndex(k, e)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(t, v.Field(i), depth+1)
			}
		}
	default:
		t.Fatalf("no value to fill a %s with", v.Type())
	}
}

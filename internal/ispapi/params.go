package ispapi

import (
	"reflect"
	"strings"
)

// toParams turns a Params or Update struct into the params object of an add or update call. Every field with an
// `isp:"name"` tag is sent; untagged struct fields are flattened; nil pointers are left out (that is how Update
// structs say "unchanged"). Booleans become "y"/"n" (API.md §6 quirk 15), or 1/0 with the ",int" option (the
// errordocs flag); integers are sent as JSON numbers, never as strings.
func toParams(v any) map[string]any {
	out := map[string]any{}
	addParams(out, reflect.ValueOf(v))
	return out
}

func addParams(out map[string]any, v reflect.Value) {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag, ok := f.Tag.Lookup("isp")
		fv := v.Field(i)
		if !ok {
			k := f.Type.Kind()
			if k == reflect.Struct || (k == reflect.Pointer && f.Type.Elem().Kind() == reflect.Struct) {
				addParams(out, fv)
			}
			continue
		}
		name, opt, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if fv.Kind() == reflect.Pointer {
			if fv.IsNil() {
				continue
			}
			fv = fv.Elem()
		}
		switch fv.Kind() {
		case reflect.Bool:
			switch {
			case opt == "int" && fv.Bool():
				out[name] = int64(1)
			case opt == "int":
				out[name] = int64(0)
			default:
				out[name] = yn(fv.Bool())
			}
		case reflect.Int, reflect.Int64, reflect.Int32:
			out[name] = fv.Int()
		case reflect.String:
			out[name] = fv.String()
		default:
			panic("ispapi: unsupported param type " + fv.Type().String())
		}
	}
}

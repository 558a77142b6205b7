package tenancy

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/jpeg"
	"image/png"
	"testing"
)

// pngHeader is a PNG signature and an IHDR chunk claiming w×h pixels, with no image data.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 6 // 8-bit RGBA
	_ = binary.Write(&b, binary.BigEndian, uint32(len(ihdr)))
	chunk := append([]byte("IHDR"), ihdr...)
	b.Write(chunk)
	_ = binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

func TestCheckLogo(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	var p, j bytes.Buffer
	_ = png.Encode(&p, img)
	_ = jpeg.Encode(&j, img, nil)
	if typ, msg := CheckLogo(p.Bytes()); typ != "image/png" || msg != "" {
		t.Fatalf("a PNG: %q %q", typ, msg)
	}
	if typ, msg := CheckLogo(j.Bytes()); typ != "image/jpeg" || msg != "" {
		t.Fatalf("a JPEG: %q %q", typ, msg)
	}
	for name, data := range map[string][]byte{
		"svg":              []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`),
		"gif":              []byte("GIF89a"),
		"truncated png":    p.Bytes()[:len(p.Bytes())/2],
		"huge claimed png": pngHeader(100000, 100000),
		"too large":        append(p.Bytes(), make([]byte, MaxLogoBytes)...),
		"empty":            nil,
		"png header only":  pngHeader(8, 8),
		"jpeg magic, junk": {0xff, 0xd8, 0xff, 0, 1, 2},
	} {
		if typ, msg := CheckLogo(data); msg == "" {
			t.Errorf("%s: accepted as %s", name, typ)
		}
	}
}

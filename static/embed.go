// Package static holds the portal's CSS, JavaScript and images, embedded into the binary.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"path"
	"strings"
)

// FS is the static file tree served under /static/.
//
//go:embed css js favicon.svg
var FS embed.FS

// hashed maps a file's name to its content-hashed address (css/portal.css → /static/css/portal.0123456789ab.css,
// built once: every page asks for four of them); original maps the hashed name (without /static/) back. Both are computed once from the embedded files, so a new build changes exactly the changed files' URLs.
var hashed, original = hashNames()

func hashNames() (map[string]string, map[string]string) {
	h, o := map[string]string{}, map[string]string{}
	_ = fs.WalkDir(FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := FS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		ext := path.Ext(p)
		name := strings.TrimSuffix(p, ext) + "." + hex.EncodeToString(sum[:6]) + ext
		h[p], o[name] = "/static/"+name, p
		return nil
	})
	return h, o
}

// URL is the address of the static file name (e.g. "css/portal.css") with its content hash, which may be cached
// for ever. An unknown name gets its plain address.
func URL(name string) string {
	if u, ok := hashed[name]; ok {
		return u
	}
	return "/static/" + name
}

// Original returns the file a content-hashed name (without /static/) stands for.
func Original(hashedName string) (string, bool) {
	n, ok := original[hashedName]
	return n, ok
}

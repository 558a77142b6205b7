// Package static holds the portal's CSS, JavaScript and images, embedded into the binary.
package static

import "embed"

// FS is the static file tree served under /static/.
//
//go:embed css js
var FS embed.FS

// Package migrations embeds the goose SQL migrations, applied at start-up and by `portal migrate`.
package migrations

import "embed"

// FS holds every migration file, in goose's numbered naming.
//
//go:embed *.sql
var FS embed.FS

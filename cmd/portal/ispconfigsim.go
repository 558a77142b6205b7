package main

import (
	"context"
	"io"

	"portal/internal/ispapi/ispsim"
)

// runISPConfigSim serves the ISPConfig remote-API simulator standalone (portal ispconfig-sim --listen ADDR
// --user NAME:PASSWORD[:FUNCTIONS] …) until ctx is cancelled; see ispsim.Run.
func runISPConfigSim(ctx context.Context, args []string, stdout io.Writer) error {
	return ispsim.Run(ctx, args, stdout)
}

package main

import (
	"context"
	"errors"
	"io"
)

// runISPConfigSim serves the ISPConfig simulator standalone (portal ispconfig-sim).
// Placeholder until internal/ispapi/ispsim lands.
func runISPConfigSim(ctx context.Context, args []string, stdout io.Writer) error {
	return errors.New("ispconfig-sim: not built yet")
}

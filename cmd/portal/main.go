// Command portal is the reseller self-service portal for ISPConfig 3.
//
//	portal [serve]                      run the web portal (the default)
//	portal migrate up|down|down-to-zero|status
//	portal admin create --email E [--name N]
//	portal ispconfig-sim --listen ADDR --user NAME:PASSWORD[:FUNCTIONS]
//
// Configuration comes from environment variables only; see README.md.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "portal:", err)
		os.Exit(1)
	}
}

const usage = `portal: the reseller self-service portal for ISPConfig 3

Usage:
  portal [serve]                         run the web portal (default)
  portal migrate up|down|down-to-zero|status
                                         apply, roll back one, roll back all, or list database migrations
  portal admin create --email E [--name N]
                                         create an admin account; the password is read from stdin,
                                         or generated and printed once when stdin is a terminal or empty
  portal ispconfig-sim [--listen ADDR] [--user NAME:PASSWORD[:FUNCTIONS]]...
                                         serve the ISPConfig remote-API simulator standalone
  portal help                            show this help

Configuration is read from environment variables (see README.md).
`

// run dispatches a subcommand. It returns errors and never exits, so tests can call it.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, getenv, stdout, stderr)
	case "migrate":
		return migrateCmd(ctx, args, getenv, stdout)
	case "admin":
		return adminCmd(ctx, args, getenv, stdin, stdout)
	case "ispconfig-sim":
		return runISPConfigSim(ctx, args, stdout)
	case "help", "-h", "--help":
		_, err := io.WriteString(stdout, usage)
		return err
	default:
		return fmt.Errorf("unknown command %q (try: portal --help)", cmd)
	}
}

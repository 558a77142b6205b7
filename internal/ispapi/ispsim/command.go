package ispsim

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// ParseUserSpec parses a --user value NAME:PASSWORD[:FUNCTIONS]. Without FUNCTIONS (or with an empty one) the user
// gets every function (functions is then ""; AddRemoteUser treats that as AllFunctions). The password may not contain
// ":"; FUNCTIONS may (it never does in ISPConfig).
func ParseUserSpec(spec string) (name, password, functions string, err error) {
	parts := strings.SplitN(spec, ":", 3)
	if len(parts) < 2 || parts[0] == "" || parts[1] == "" {
		return "", "", "", fmt.Errorf("user %q: want NAME:PASSWORD[:FUNCTIONS]", spec)
	}
	if len(parts) == 3 {
		functions = parts[2]
	}
	return parts[0], parts[1], functions, nil
}

// userFlags collects repeated --user values.
type userFlags []string

func (u *userFlags) String() string     { return strings.Join(*u, ",") }
func (u *userFlags) Set(v string) error { *u = append(*u, v); return nil }

// Run is the standalone simulator command (portal ispconfig-sim): it parses args (--listen ADDR, default
// 127.0.0.1:8081; --user NAME:PASSWORD[:FUNCTIONS], repeatable), serves a fresh Sim until ctx is cancelled and then
// shuts down gracefully. It prints the json.php URL to stdout once listening.
func Run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("ispconfig-sim", flag.ContinueOnError)
	fs.SetOutput(stdout)
	listen := fs.String("listen", "127.0.0.1:8081", "address to serve /remote/json.php on")
	var users userFlags
	fs.Var(&users, "user", "remote user NAME:PASSWORD[:FUNCTIONS] (repeatable; without FUNCTIONS: every function)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("ispconfig-sim: unexpected arguments %q", fs.Args())
	}
	sim := New()
	for _, u := range users {
		name, pw, fns, err := ParseUserSpec(u)
		if err != nil {
			return fmt.Errorf("ispconfig-sim: %w", err)
		}
		sim.AddRemoteUser(name, pw, fns)
	}
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", *listen)
	if err != nil {
		return fmt.Errorf("ispconfig-sim: %w", err)
	}
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "http://%s/remote/json.php\n", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("ispconfig-sim: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("ispconfig-sim: shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("ispconfig-sim: %w", err)
	}
	return nil
}

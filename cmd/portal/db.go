package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"os"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"

	"portal/internal/auth"
	"portal/internal/store"
)

// openDB connects to Postgres and checks the connection.
// Without pool_max_conns in the URL the pool holds up to 20 connections: pgx's default (4 on two cores) is too few
// for web requests, river's workers and its listener together.
func openDB(ctx context.Context, url string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = 20
	}
	store.ConfigurePool(cfg)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres unreachable: %w", err)
	}
	return pool, nil
}

// migrateCmd runs `portal migrate up|down|down-to-zero|status`.
func migrateCmd(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) != 1 {
		return errors.New("usage: portal migrate up|down|down-to-zero|status")
	}
	url := getenv("DATABASE_URL")
	if url == "" {
		return errors.New("DATABASE_URL: required, a PostgreSQL URL")
	}
	pool, err := openDB(ctx, url)
	if err != nil {
		return err
	}
	defer pool.Close()
	p, closeDB, err := store.Migrator(pool)
	if err != nil {
		return err
	}
	defer closeDB()
	switch args[0] {
	case "up":
		res, err := p.Up(ctx)
		for _, r := range res {
			fmt.Fprintf(stdout, "applied %s (%s)\n", r.Source.Path, r.Duration)
		}
		return err
	case "down":
		r, err := p.Down(ctx)
		if r != nil {
			fmt.Fprintf(stdout, "rolled back %s\n", r.Source.Path)
		}
		return err
	case "down-to-zero":
		res, err := p.DownTo(ctx, 0)
		for _, r := range res {
			fmt.Fprintf(stdout, "rolled back %s\n", r.Source.Path)
		}
		return err
	case "status":
		st, err := p.Status(ctx)
		if err != nil {
			return err
		}
		for _, s := range st {
			fmt.Fprintf(stdout, "%-8s %s\n", s.State, s.Source.Path)
		}
		return nil
	}
	return fmt.Errorf("unknown migrate action %q (want up, down, down-to-zero or status)", args[0])
}

// adminCmd runs `portal admin create --email E [--name N]`. The password is the first line of stdin; when stdin
// is empty a strong one is generated and printed once.
func adminCmd(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return errors.New("usage: portal admin create --email E [--name N]")
	}
	fs := flag.NewFlagSet("admin create", flag.ContinueOnError)
	email := fs.String("email", "", "the admin's email (the login)")
	name := fs.String("name", "", "display name")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if !strings.Contains(*email, "@") {
		return errors.New("--email: want an email address")
	}
	cfg, err := configFromEnv(getenv)
	if err != nil {
		return err
	}
	password := ""
	if f, ok := stdin.(*os.File); !ok || !isTerminal(f) {
		b, _ := io.ReadAll(io.LimitReader(stdin, 4096))
		password = strings.TrimRight(strings.SplitN(string(b), "\n", 2)[0], "\r")
	}
	generated := password == ""
	if generated {
		password = generatePassword()
	} else if msg := auth.CheckNew(password); msg.Format != "" {
		return fmt.Errorf("password from stdin: %s", msg)
	}
	pool, err := openDB(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := store.Migrate(ctx, pool); err != nil {
		return err
	}
	acct, err := createAdmin(ctx, pool, auth.NewHasher(cfg.Argon2MemoryKiB), strings.TrimSpace(*email), *name, password, "cli")
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created admin %s (id %d)\n", acct.Email, acct.ID)
	if generated {
		fmt.Fprintf(stdout, "password (shown once): %s\n", password)
	}
	return nil
}

// createAdmin inserts an admin account and audits it.
func createAdmin(ctx context.Context, pool *pgxpool.Pool, h *auth.Hasher, email, name, password, via string) (store.Account, error) {
	hash, err := h.Hash(password)
	if err != nil {
		return store.Account{}, err
	}
	acct, err := store.NewAccounts(pool).Create(ctx, email, name, store.RoleAdmin, hash)
	if errors.Is(err, store.ErrConflict) {
		return store.Account{}, fmt.Errorf("an account with email %s already exists", email)
	}
	if err != nil {
		return store.Account{}, err
	}
	err = store.NewAuditLog(pool).Append(ctx, store.AuditEntry{
		EffectiveAccountID: &acct.ID, EffectiveEmail: acct.Email, Action: "admin.create", ObjectType: "account",
		ObjectID: fmt.Sprint(acct.ID), Outcome: store.OutcomeSuccess, Detail: "via " + via,
	})
	return acct, err
}

// generatePassword returns 20 random characters from an alphabet without look-alikes (about 115 bits).
func generatePassword() string {
	const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 20)
	for i := range b {
		n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		b[i] = alphabet[n.Int64()]
	}
	return string(b)
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

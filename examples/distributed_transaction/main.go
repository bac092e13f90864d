// Command distributed_transaction runs one distributed transaction across
// four engines inside the simulator, verifies every effect with a
// read-only transaction, and shows that a rolled-back transaction leaves
// nothing behind.
//
//	go run ./examples/distributed_transaction [--seed N]
//
// The cluster has a log node, two engine nodes and a client node; the
// streams are "users" (KV), "notifications" (Queue), "tokens" (Resource)
// and "accounts" (SQL). Every line printed carries the virtual time, and a seed
// always prints the same lines.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/proven2pc/proven/cluster"
	"github.com/proven2pc/proven/coordinator"
	"github.com/proven2pc/proven/engines/kv"
	"github.com/proven2pc/proven/engines/queue"
	"github.com/proven2pc/proven/engines/resource"
	"github.com/proven2pc/proven/engines/sql"
	"github.com/proven2pc/proven/engines/value"
	"github.com/proven2pc/proven/sim"
)

func main() {
	seed := flag.Uint64("seed", 1, "the simulation's seed")
	flag.Parse()
	os.Exit(run(*seed, os.Stdout))
}

// run plays the example with a seed, printing to out; it returns the exit
// code (0: verification passed).
func run(seed uint64, out io.Writer) int {
	cluster := cluster.New(cluster.Config{Seed: seed, EngineNodes: 2, Clients: 1,
		VirtualTimeMax: 5 * time.Minute, Streams: []cluster.StreamSpec{
			cluster.KV("users"),
			cluster.Queue("notifications"),
			cluster.Resource("tokens"),
			cluster.SQL("accounts"),
		}})
	defer cluster.World.Close()
	fmt.Fprintf(out, "seed %d: log node, 2 engine nodes (users, notifications, tokens, accounts), 1 client\n", seed)
	failure := ""
	cluster.Spawn("example", func(p *sim.Process, coord *coordinator.Coordinator) {
		s := &story{ctx: context.Background(), p: p, coord: coord, out: out}
		if err := s.play(); err != nil {
			failure = err.Error()
		}
	})
	result := cluster.World.Run()
	switch {
	case result.Verdict != sim.VerdictOK:
		fmt.Fprintf(out, "FAILED: the simulation stopped: %s: %s\n", result.Failure, result.Reason)
		return 1
	case failure != "":
		fmt.Fprintf(out, "FAILED: %s\n", failure)
		return 1
	}
	fmt.Fprintf(out, "verification passed (fingerprint %s)\n", result.FingerprintHex())
	return 0
}

// story is the client's side of the example.
type story struct {
	ctx   context.Context
	p     *sim.Process
	coord *coordinator.Coordinator
	out   io.Writer
}

// say prints one step with the client's virtual time.
func (s *story) say(format string, args ...any) {
	fmt.Fprintf(s.out, "[%12v] %s\n", time.Duration(s.p.Now()), fmt.Sprintf(format, args...))
}

func (s *story) play() error {
	if err := s.transact(); err != nil {
		return err
	}
	if err := s.verify(); err != nil {
		return err
	}
	if err := s.rollBack(); err != nil {
		return err
	}
	return s.verifyNothingLeft()
}

// transact writes to all four engines in one read-write transaction.
func (s *story) transact() error {
	ctx := s.ctx
	tx := s.coord.Begin(ctx, 5*time.Second)
	s.say("begin a read-write transaction (timeout 5s)")
	users := kv.New(tx, "users")
	notifications := queue.New(tx, "notifications")
	tokens := resource.New(tx, "tokens")
	accounts := sql.New(tx, "accounts")
	steps := []struct {
		text string
		do   func() error
	}{
		{`kv users: put user:1:name = "Alice"`, func() error { return users.PutString(ctx, "user:1:name", "Alice") }},
		{"kv users: put user:1:age = 30", func() error { return users.PutInt(ctx, "user:1:age", 30) }},
		{`kv users: put user:1:profile = {city: "Paris", plan: "pro"}`, func() error {
			return users.PutMap(ctx, "user:1:profile", profile())
		}},
		{`queue notifications: enqueue "welcome Alice" on "email"`, func() error {
			return notifications.Enqueue(ctx, "email", value.String("welcome Alice"))
		}},
		{`queue notifications: enqueue "user:1 created" on "audit"`, func() error {
			return notifications.Enqueue(ctx, "audit", value.String("user:1 created"))
		}},
		{"resource tokens: create GOLD (symbol GLD, 2 decimals)", func() error { return tokens.Create(ctx, "GOLD", "GLD", 2) }},
		{"resource tokens: mint 100.00 GOLD to treasury", func() error { return tokens.Mint(ctx, "GOLD", "treasury", "100.00") }},
		{"resource tokens: transfer 25.50 GOLD from treasury to user:1", func() error {
			return tokens.Transfer(ctx, "GOLD", "treasury", "user:1", "25.50")
		}},
		{"sql accounts: " + createUsers, func() error { return exec(ctx, accounts, createUsers) }},
		{"sql accounts: " + insertUsers, func() error { return exec(ctx, accounts, insertUsers) }},
		{"sql accounts: " + upgradeAlice, func() error { return exec(ctx, accounts, upgradeAlice) }},
	}
	for _, step := range steps {
		if err := step.do(); err != nil {
			_ = tx.Rollback(ctx)
			return fmt.Errorf("%s: %w", step.text, err)
		}
		s.say("%s", step.text)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	s.say("commit: prepared on users, notifications, tokens and accounts; committed")
	return nil
}

// The SQL statements of the example, printed as they run.
const (
	createUsers   = "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, plan TEXT DEFAULT 'free')"
	insertUsers   = "INSERT INTO users (id, name) VALUES (1, 'Alice'), (2, 'Bob')"
	upgradeAlice  = "UPDATE users SET plan = 'pro' WHERE name = 'Alice'"
	selectUsers   = "SELECT id, name, plan FROM users ORDER BY id"
	insertMallory = "INSERT INTO users (id, name) VALUES (3, 'Mallory')"
	countUsers    = "SELECT COUNT(*) FROM users"
	countNamed    = "SELECT COUNT(*) FROM users WHERE name = ?"
)

// exec runs one SQL statement, ignoring its result.
func exec(ctx context.Context, client *sql.Client, statement string) error {
	_, err := client.Exec(ctx, statement)
	return err
}

// queryText runs a query and returns its rows as text, "; " between rows.
func queryText(ctx context.Context, client *sql.Client, query string, args ...any) (string, error) {
	rows, err := client.Query(ctx, query, args...)
	if err != nil {
		return "", err
	}
	var lines []string
	for rows.Next() {
		var fields []string
		for _, value := range rows.Values() {
			fields = append(fields, value.String())
		}
		lines = append(lines, strings.Join(fields, " "))
	}
	return strings.Join(lines, "; "), nil
}

func profile() map[string]value.Value {
	return map[string]value.Value{"city": value.String("Paris"), "plan": value.String("pro")}
}

// check compares what a read returned with what it should be.
func (s *story) check(what, got, want string, err error) error {
	if err != nil {
		return fmt.Errorf("read %s: %w", what, err)
	}
	if got != want {
		return fmt.Errorf("read %s = %s, want %s", what, got, want)
	}
	s.say("  %s = %s", what, got)
	return nil
}

// verify reads every effect back at one snapshot.
func (s *story) verify() error {
	ctx := s.ctx
	read := s.coord.BeginReadOnly(ctx)
	s.say("begin a read-only transaction at snapshot %v", read.Snapshot())
	users := kv.New(read, "users")
	notifications := queue.New(read, "notifications")
	tokens := resource.New(read, "tokens")
	name, _, err := users.GetString(ctx, "user:1:name")
	if err := s.check("users user:1:name", fmt.Sprintf("%q", name), `"Alice"`, err); err != nil {
		return err
	}
	age, _, err := users.GetInt(ctx, "user:1:age")
	if err := s.check("users user:1:age", fmt.Sprint(age), "30", err); err != nil {
		return err
	}
	got, _, err := users.GetMap(ctx, "user:1:profile")
	if err := s.check("users user:1:profile", value.Map(got).String(), value.Map(profile()).String(), err); err != nil {
		return err
	}
	for _, q := range []struct{ name, head string }{{"email", "welcome Alice"}, {"audit", "user:1 created"}} {
		size, err := notifications.Size(ctx, q.name)
		if err := s.check("notifications "+q.name+" size", fmt.Sprint(size), "1", err); err != nil {
			return err
		}
		head, _, err := notifications.Peek(ctx, q.name)
		if err := s.check("notifications "+q.name+" head", head.String(), value.String(q.head).String(), err); err != nil {
			return err
		}
	}
	supply, err := tokens.Supply(ctx, "GOLD")
	if err := s.check("tokens GOLD supply", supply, "100", err); err != nil {
		return err
	}
	balance, err := tokens.Balance(ctx, "GOLD", "treasury")
	if err := s.check("tokens GOLD treasury", balance, "74.5", err); err != nil {
		return err
	}
	balance, err = tokens.Balance(ctx, "GOLD", "user:1")
	if err := s.check("tokens GOLD user:1", balance, "25.5", err); err != nil {
		return err
	}
	table, err := queryText(ctx, sql.New(read, "accounts"), selectUsers)
	return s.check("accounts "+selectUsers, table, "1 Alice pro; 2 Bob free", err)
}

// rollBack writes to every engine, then cancels the transaction.
func (s *story) rollBack() error {
	ctx := s.ctx
	tx := s.coord.Begin(ctx, 5*time.Second)
	s.say("begin a second read-write transaction, to be cancelled")
	if err := kv.New(tx, "users").PutString(ctx, "user:2:name", "Mallory"); err != nil {
		return fmt.Errorf("put user:2:name: %w", err)
	}
	s.say(`kv users: put user:2:name = "Mallory"`)
	if err := queue.New(tx, "notifications").Enqueue(ctx, "email", value.String("welcome Mallory")); err != nil {
		return fmt.Errorf("enqueue: %w", err)
	}
	s.say(`queue notifications: enqueue "welcome Mallory" on "email"`)
	if err := resource.New(tx, "tokens").Mint(ctx, "GOLD", "user:2", "1000.00"); err != nil {
		return fmt.Errorf("mint: %w", err)
	}
	s.say("resource tokens: mint 1000.00 GOLD to user:2")
	if err := exec(ctx, sql.New(tx, "accounts"), insertMallory); err != nil {
		return fmt.Errorf("insert: %w", err)
	}
	s.say("sql accounts: %s", insertMallory)
	if err := tx.Rollback(ctx); err != nil {
		return fmt.Errorf("rollback: %w", err)
	}
	s.say("rollback: aborted on every participant")
	return nil
}

// verifyNothingLeft reads at a new snapshot: the cancelled writes are
// nowhere, the committed state is unchanged.
func (s *story) verifyNothingLeft() error {
	ctx := s.ctx
	read := s.coord.BeginReadOnly(ctx)
	s.say("begin a read-only transaction at snapshot %v", read.Snapshot())
	_, found, err := kv.New(read, "users").GetString(ctx, "user:2:name")
	if err := s.check("users user:2:name found", fmt.Sprint(found), "false", err); err != nil {
		return err
	}
	size, err := queue.New(read, "notifications").Size(ctx, "email")
	if err := s.check("notifications email size", fmt.Sprint(size), "1", err); err != nil {
		return err
	}
	tokens := resource.New(read, "tokens")
	balance, err := tokens.Balance(ctx, "GOLD", "user:2")
	if err := s.check("tokens GOLD user:2", balance, "0", err); err != nil {
		return err
	}
	supply, err := tokens.Supply(ctx, "GOLD")
	if err := s.check("tokens GOLD supply", supply, "100", err); err != nil {
		return err
	}
	accounts := sql.New(read, "accounts")
	count, err := queryText(ctx, accounts, countNamed, "Mallory")
	if err := s.check("accounts "+countNamed+" ('Mallory')", count, "0", err); err != nil {
		return err
	}
	count, err = queryText(ctx, accounts, countUsers)
	return s.check("accounts "+countUsers, count, "2", err)
}

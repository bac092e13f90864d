// Command orderservice is a small order service embedded in its own process on
// Proven's real runtime: users in a KV stream, notifications in a Queue
// stream, credits in a Resource stream and orders in a SQL stream, each
// order one transaction across all four, durable on disk.
//
//	go run ./examples/orderservice [--dir DIR]
//
// Without --dir it works in a new temporary directory and removes it at
// the end. It registers two customers, places orders (one is refused for
// lack of credits and leaves nothing behind), places orders from several
// goroutines at once, closes the store, reopens it and checks that every
// committed order, its credits and its notification are there. It exits 0
// when every check passes.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/proven2pc/proven"
	"github.com/proven2pc/proven/coordinator"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/kv"
	"github.com/proven2pc/proven/engines/queue"
	"github.com/proven2pc/proven/engines/resource"
	"github.com/proven2pc/proven/engines/sql"
	"github.com/proven2pc/proven/engines/value"
)

func main() {
	dir := flag.String("dir", "", "the store's directory (default: a new temporary one, removed at the end)")
	flag.Parse()
	os.Exit(run(*dir, os.Stdout))
}

// run plays the example, printing to out, and returns the exit code.
func run(dir string, out io.Writer) int {
	if dir == "" {
		temporary, err := os.MkdirTemp("", "proven-orders-")
		if err != nil {
			fmt.Fprintln(out, "FAILED:", err)
			return 1
		}
		defer os.RemoveAll(temporary)
		dir = filepath.Join(temporary, "store")
	}
	if err := play(context.Background(), dir, out); err != nil {
		fmt.Fprintln(out, "FAILED:", err)
		return 1
	}
	fmt.Fprintln(out, "every check passed")
	return 0
}

// The streams of the service and the token of its credits.
const (
	users         = "users"
	notifications = "notifications"
	credits       = "credits"
	orders        = "orders"
	credit        = "CREDIT"
	shop          = "shop"
)

// service is the order service: one store for its lifetime.
type service struct{ db *proven.DB }

// openService opens the store and creates the table and the token once.
func openService(ctx context.Context, dir string) (*service, error) {
	db, err := proven.Open(dir, proven.Options{Streams: []proven.StreamSpec{
		proven.KV(users), proven.Queue(notifications), proven.Resource(credits), proven.SQL(orders)}})
	if err != nil {
		return nil, err
	}
	_, err = sql.New(db.AdHoc(), orders).Exec(ctx, `CREATE TABLE IF NOT EXISTS orders (
		id INT PRIMARY KEY, customer TEXT NOT NULL, item TEXT NOT NULL, price INT NOT NULL)`)
	if err == nil {
		err = resource.New(db.AdHoc(), credits).Create(ctx, credit, credit, 0)
		if errors.Is(err, engines.ErrExists) {
			err = nil // created by an earlier run
		}
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	return &service{db: db}, nil
}

// register creates a customer with some credits, and a welcome message.
func (s *service) register(ctx context.Context, id, name, initialCredits string) error {
	return s.transaction(ctx, func(tx *proven.Txn) error {
		if err := kv.New(tx, users).PutString(ctx, "user:"+id, name); err != nil {
			return err
		}
		if err := resource.New(tx, credits).Mint(ctx, credit, id, initialCredits); err != nil {
			return err
		}
		return queue.New(tx, notifications).Enqueue(ctx, "outbox", value.String("welcome "+name))
	})
}

// placeOrder pays for an item and records the order, in one transaction
// across the four streams: nothing happens unless everything does.
func (s *service) placeOrder(ctx context.Context, orderID int64, customer, item string, price int64) error {
	return s.transaction(ctx, func(tx *proven.Txn) error {
		name, found, err := kv.New(tx, users).GetString(ctx, "user:"+customer)
		if err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("no customer %q", customer)
		}
		if err := resource.New(tx, credits).Transfer(ctx, credit, customer, shop, fmt.Sprint(price)); err != nil {
			return err // engines.ErrInsufficient: not enough credits
		}
		if _, err := sql.New(tx, orders).Exec(ctx, "INSERT INTO orders VALUES (?, ?, ?, ?)",
			orderID, customer, item, price); err != nil {
			return err
		}
		return queue.New(tx, notifications).Enqueue(ctx, "outbox",
			value.String(fmt.Sprintf("order %d: %s bought %s", orderID, name, item)))
	})
}

// transaction runs fn in a read-write transaction and commits it,
// retrying when another transaction wounded it (a conflict).
func (s *service) transaction(ctx context.Context, fn func(tx *proven.Txn) error) error {
	for attempt := 1; ; attempt++ {
		tx := s.db.Begin(ctx, 5*time.Second)
		err := fn(tx)
		if err == nil {
			err = tx.Commit(ctx)
		} else {
			tx.Rollback(ctx)
		}
		var aborted *coordinator.AbortedError
		if err == nil || !errors.As(err, &aborted) || attempt == 5 {
			return err
		}
	}
}

// report is what one read-only snapshot shows, across the four streams.
type report struct {
	orders  int64
	revenue int64
	shop    string
	outbox  int64
}

func (s *service) report(ctx context.Context) (report, error) {
	read := s.db.BeginReadOnly(ctx)
	var r report
	rows, err := sql.New(read, orders).Query(ctx, "SELECT COUNT(*), COALESCE(SUM(price), 0) FROM orders")
	if err != nil {
		return r, err
	}
	for rows.Next() {
		if err := rows.Scan(&r.orders, &r.revenue); err != nil {
			return r, err
		}
	}
	if r.shop, err = resource.New(read, credits).Balance(ctx, credit, shop); err != nil {
		return r, err
	}
	r.outbox, err = queue.New(read, notifications).Size(ctx, "outbox")
	return r, err
}

func play(ctx context.Context, dir string, out io.Writer) error {
	s, err := openService(ctx, dir)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "store %s: streams %v\n", dir, s.db.Streams())
	if err := s.register(ctx, "alice", "Alice", "100"); err != nil {
		return err
	}
	if err := s.register(ctx, "bob", "Bob", "20"); err != nil {
		return err
	}
	fmt.Fprintln(out, "registered alice (100 credits) and bob (20 credits)")
	if err := s.placeOrder(ctx, 1, "alice", "book", 30); err != nil {
		return err
	}
	fmt.Fprintln(out, "order 1: alice bought a book for 30")
	err = s.placeOrder(ctx, 2, "bob", "lamp", 50)
	if !errors.Is(err, engines.ErrInsufficient) {
		return fmt.Errorf("bob's lamp: %v, want insufficient credits", err)
	}
	fmt.Fprintf(out, "order 2 refused: %v\n", err)
	if err := concurrentOrders(ctx, s, out); err != nil {
		return err
	}
	want, err := s.report(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "snapshot: %d orders, revenue %d, shop holds %s credits, %d notifications\n",
		want.orders, want.revenue, want.shop, want.outbox)
	if fmt.Sprint(want.revenue) != want.shop {
		return fmt.Errorf("revenue %d but the shop holds %s credits", want.revenue, want.shop)
	}
	if err := s.db.Close(); err != nil {
		return err
	}
	fmt.Fprintln(out, "closed; reopening")
	s, err = openService(ctx, dir)
	if err != nil {
		return err
	}
	defer s.db.Close()
	got, err := s.report(ctx)
	if err != nil {
		return err
	}
	if got != want {
		return fmt.Errorf("after reopening: %+v, before: %+v", got, want)
	}
	fmt.Fprintf(out, "after reopening: the same %d orders, revenue %d, %d notifications\n", got.orders, got.revenue, got.outbox)
	return nil
}

// concurrentOrders places orders from several goroutines at once: the
// handle is safe for concurrent use, and each transaction is used by one
// goroutine.
func concurrentOrders(ctx context.Context, s *service, out io.Writer) error {
	const buyers = 8
	errs := make([]error, buyers)
	var group sync.WaitGroup
	group.Add(buyers)
	for buyer := range buyers {
		go func() { //proven:allow goroutine: the example runs on the real runtime, outside the simulator
			defer group.Done()
			errs[buyer] = s.placeOrder(ctx, int64(100+buyer), "alice", fmt.Sprintf("pen %d", buyer), 5)
		}()
	}
	group.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	fmt.Fprintf(out, "%d orders placed at once by alice, 5 credits each\n", buyers)
	return nil
}

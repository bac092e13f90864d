package live

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/proven2pc/proven/coordinator"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/catalog"
	"github.com/proven2pc/proven/engines/kv"
	"github.com/proven2pc/proven/engines/resource"
	"github.com/proven2pc/proven/engines/value"
)

// The crash workload runs in a child process (this test binary, started
// by TestCrashWithSIGKILL with crashDirEnvironment set) until it is
// killed. Its streams: "a" and "b" (KV) and "tokens" (Resource). Two
// kinds of transactions, each printed on stdout once its outcome is
// known:
//
//	transfer ok|abort|unknown          moves money between accounts on a and b
//	append ok|abort|unknown L E        appends element E to list L on a AND on b, and
//	                                   mints one token to L's account on tokens
const (
	crashDirEnvironment  = "PROVEN_LIVE_CRASH_DIR"
	crashRunEnvironment  = "PROVEN_LIVE_CRASH_RUN"
	crashSeedEnvironment = "PROVEN_LIVE_CRASH_SEED"
	crashWorkers         = 8
	crashAccounts        = 10
	crashBalance         = 1000
	crashLists           = 4
	crashToken           = "T"
)

func crashOptions() Options {
	return Options{Streams: []catalog.StreamSpec{catalog.KV("a"), catalog.KV("b"), catalog.Resource("tokens")},
		Logger: quiet, CheckpointEvery: 256, SegmentBytesMax: 16 << 10}
}

func crashAccount(i int) (stream, key string) {
	if i%2 == 0 {
		return "a", "acct:" + strconv.Itoa(i)
	}
	return "b", "acct:" + strconv.Itoa(i)
}

func crashList(list int) string { return "list:" + strconv.Itoa(list) }

func crashHolder(list int) string { return "holder:" + strconv.Itoa(list) }

// runCrashChild runs the crash workload when this process is the child,
// and then never returns (it is killed, or exits on an unexpected error).
func runCrashChild() bool {
	dir := os.Getenv(crashDirEnvironment)
	if dir == "" {
		return false
	}
	seed, _ := strconv.ParseUint(os.Getenv(crashSeedEnvironment), 10, 64)
	run := os.Getenv(crashRunEnvironment)
	db, err := Open(dir, crashOptions())
	if err != nil {
		fmt.Fprintln(os.Stderr, "child: open:", err)
		os.Exit(2)
	}
	ctx := context.Background()
	if err := crashSetup(ctx, db); err != nil {
		fmt.Fprintln(os.Stderr, "child: setup:", err)
		os.Exit(2)
	}
	out := &lineWriter{}
	out.print("ready")
	var group sync.WaitGroup
	for worker := range crashWorkers {
		group.Go(func() {
			rng := rand.New(rand.NewPCG(seed, uint64(worker)))
			for n := 0; ; n++ {
				if rng.IntN(2) == 0 {
					out.print("transfer " + outcomeWord(crashTransfer(ctx, db, rng)))
					continue
				}
				list := rng.IntN(crashLists)
				element := fmt.Sprintf("%s.%d.%d", run, worker, n)
				out.print(fmt.Sprintf("append %s %d %s", outcomeWord(crashAppend(ctx, db, list, element)), list, element))
			}
		})
	}
	group.Wait()
	return true
}

// crashSetup creates the accounts and the token once, atomically.
func crashSetup(ctx context.Context, db *DB) error {
	for {
		tx := db.Begin(ctx, 5*time.Second)
		_, found, err := kv.New(tx, "a").GetInt(ctx, "setup")
		if err == nil && found {
			return tx.Rollback(ctx)
		}
		for i := range crashAccounts {
			if err == nil {
				stream, key := crashAccount(i)
				err = kv.New(tx, stream).PutInt(ctx, key, crashBalance)
			}
		}
		if err == nil {
			err = kv.New(tx, "a").PutInt(ctx, "setup", 1)
		}
		if err == nil {
			err = resource.New(tx, "tokens").Create(ctx, crashToken, crashToken, 0)
		}
		if err == nil {
			err = tx.Commit(ctx)
		} else {
			tx.Rollback(ctx)
		}
		if err == nil || !retryable(err) {
			return err
		}
	}
}

func retryable(err error) bool {
	var aborted *coordinator.AbortedError
	return errors.As(err, &aborted) || errors.Is(err, engines.ErrAborted) || errors.Is(err, coordinator.ErrIndeterminate)
}

func crashTransfer(ctx context.Context, db *DB, rng *rand.Rand) error {
	from, to := rng.IntN(crashAccounts), rng.IntN(crashAccounts)
	for to == from {
		to = rng.IntN(crashAccounts)
	}
	tx := db.Begin(ctx, 2*time.Second)
	fromStream, fromKey := crashAccount(from)
	toStream, toKey := crashAccount(to)
	fromBalance, _, err := kv.New(tx, fromStream).GetInt(ctx, fromKey)
	var toBalance int64
	if err == nil {
		toBalance, _, err = kv.New(tx, toStream).GetInt(ctx, toKey)
	}
	amount := min(fromBalance, int64(1+rng.IntN(50)))
	if err == nil {
		err = kv.New(tx, fromStream).PutInt(ctx, fromKey, fromBalance-amount)
	}
	if err == nil {
		err = kv.New(tx, toStream).PutInt(ctx, toKey, toBalance+amount)
	}
	return finish(ctx, tx, err)
}

func crashAppend(ctx context.Context, db *DB, list int, element string) error {
	tx := db.Begin(ctx, 2*time.Second)
	var err error
	for _, stream := range []string{"a", "b"} {
		if err == nil {
			err = appendTo(ctx, kv.New(tx, stream), crashList(list), element)
		}
	}
	if err == nil {
		err = resource.New(tx, "tokens").Mint(ctx, crashToken, crashHolder(list), "1")
	}
	return finish(ctx, tx, err)
}

func appendTo(ctx context.Context, client *kv.Client, key, element string) error {
	current, _, err := client.Get(ctx, key)
	if err != nil {
		return err
	}
	items := make([]value.Value, 0, current.Len()+1)
	for i := range current.Len() {
		items = append(items, current.Index(i))
	}
	return client.Put(ctx, key, value.List(append(items, value.String(element))...))
}

// finish commits when every operation succeeded, else rolls back, and
// returns the transaction's outcome.
func finish(ctx context.Context, tx *Txn, err error) error {
	if err != nil {
		tx.Rollback(ctx)
		return err
	}
	return tx.Commit(ctx)
}

// outcomeWord is what the parent is told: ok (committed), abort
// (committed nowhere) or unknown (either).
func outcomeWord(err error) string {
	var aborted *coordinator.AbortedError
	var refusal *engines.Refusal
	switch {
	case err == nil:
		return "ok"
	case errors.As(err, &aborted), errors.As(err, &refusal), errors.Is(err, engines.ErrAborted):
		return "abort"
	}
	return "unknown"
}

// lineWriter prints whole lines from many goroutines.
type lineWriter struct{ mutex sync.Mutex }

func (w *lineWriter) print(line string) {
	w.mutex.Lock()
	defer w.mutex.Unlock()
	os.Stdout.WriteString(line + "\n")
}

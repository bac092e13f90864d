package live

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/proven2pc/proven/coordinator"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/catalog"
	"github.com/proven2pc/proven/engines/kv"
)

// bankStreams holds accounts on two KV streams, so that a transfer
// between them is a two-stream transaction.
func bankStreams() Options {
	return Options{Streams: []catalog.StreamSpec{catalog.KV("bank-a"), catalog.KV("bank-b")}, Logger: quiet}
}

const bankAccounts, bankBalance = 8, 100

// account names account i and the stream it lives on.
func account(i int) (stream, key string) {
	if i%2 == 0 {
		return "bank-a", fmt.Sprintf("acct:%d", i)
	}
	return "bank-b", fmt.Sprintf("acct:%d", i)
}

func openBank(t testing.TB, db *DB) {
	ctx := context.Background()
	tx := db.Begin(ctx, 5*time.Second)
	for i := range bankAccounts {
		stream, key := account(i)
		must(t, kv.New(tx, stream).PutInt(ctx, key, bankBalance))
	}
	must(t, tx.Commit(ctx))
}

// transfer moves amount from account from to account to in one
// transaction; it reports whether it committed.
func transfer(ctx context.Context, db *DB, from, to int, amount int64) (bool, error) {
	tx := db.Begin(ctx, 2*time.Second)
	defer tx.Rollback(ctx)
	fromStream, fromKey := account(from)
	toStream, toKey := account(to)
	fromBalance, _, err := kv.New(tx, fromStream).GetInt(ctx, fromKey)
	if err != nil {
		return false, err
	}
	toBalance, _, err := kv.New(tx, toStream).GetInt(ctx, toKey)
	if err != nil {
		return false, err
	}
	if fromBalance < amount {
		return false, nil
	}
	if err := kv.New(tx, fromStream).PutInt(ctx, fromKey, fromBalance-amount); err != nil {
		return false, err
	}
	if err := kv.New(tx, toStream).PutInt(ctx, toKey, toBalance+amount); err != nil {
		return false, err
	}
	return true, tx.Commit(ctx)
}

// bankTotal reads every account at one snapshot.
func bankTotal(t testing.TB, db *DB) int64 {
	ctx := context.Background()
	read := db.BeginReadOnly(ctx)
	total := int64(0)
	for i := range bankAccounts {
		stream, key := account(i)
		balance, found, err := kv.New(read, stream).GetInt(ctx, key)
		if err != nil || !found {
			t.Fatalf("account %d: %d %t %v", i, balance, found, err)
		}
		total += balance
	}
	return total
}

// TestConcurrentTransfersConserveMoney: goroutines transfer between
// accounts on two streams, conflicting and wounding one another; aborts
// are retried as a client would. Every snapshot read meanwhile, and the
// final one after a reopen, sums to the initial total.
func TestConcurrentTransfersConserveMoney(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "store")
	db := openDB(t, dir, bankStreams())
	openBank(t, db)
	const workers, transfers = 16, 20
	var group sync.WaitGroup
	committed := make([]int, workers)
	errs := make(chan error, workers)
	for worker := range workers {
		group.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(worker), 1))
			for range transfers {
				from, to := rng.IntN(bankAccounts), rng.IntN(bankAccounts)
				if from == to {
					continue
				}
				ok, err := transfer(ctx, db, from, to, int64(1+rng.IntN(20)))
				var aborted *coordinator.AbortedError
				switch {
				case err == nil && ok:
					committed[worker]++
				case err == nil, errors.As(err, &aborted), errors.Is(err, engines.ErrAborted):
				default:
					errs <- fmt.Errorf("worker %d: %w", worker, err)
					return
				}
			}
		})
	}
	group.Go(func() {
		for range 20 {
			if total := bankTotal(t, db); total != bankAccounts*bankBalance {
				errs <- fmt.Errorf("a snapshot sums to %d, want %d", total, bankAccounts*bankBalance)
				return
			}
		}
	})
	group.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	sum := 0
	for _, n := range committed {
		sum += n
	}
	if sum == 0 {
		t.Fatal("no transfer committed")
	}
	closeDB(t, db)
	db = openDB(t, dir, bankStreams())
	defer closeDB(t, db)
	if total := bankTotal(t, db); total != bankAccounts*bankBalance {
		t.Fatalf("after reopen the accounts sum to %d, want %d", total, bankAccounts*bankBalance)
	}
	t.Logf("%d transfers committed", sum)
}

package sessions

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/proven2pc/proven/coordinator"
	"github.com/proven2pc/proven/engines/wire"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var errClosed = errors.New("closed")

func newTestPool(max int) *Pool {
	return NewPool(Config{Max: max, Address: func(slot int) wire.Address { return wire.Address(100 + slot) },
		Origin: func(slot int) uint64 { return uint64(slot) }, Send: func(wire.Address, wire.Address, any) {},
		Coordinator: func(slot int) coordinator.Config { return coordinator.Config{ID: uint32(slot + 1)} },
		Closed:      errClosed})
}

// TestPoolHandsOutAtMostMaxSessionsAndRoutesReplies: sessions are created
// up to Max, each with its slot's address; a reply reaches its session's
// mailbox, a full mailbox drops (false), a reply to a slot without a
// session is nobody's (true); a released session is handed out again,
// and a waiting Acquire gives up with ctx or with Close.
func TestPoolHandsOutAtMostMaxSessionsAndRoutesReplies(t *testing.T) {
	pool := newTestPool(2)
	ctx := context.Background()
	first, err := pool.Acquire(ctx)
	if err != nil || first.Self() != 100 {
		t.Fatalf("first session %v, %v", first, err)
	}
	second, _ := pool.Acquire(ctx)
	if second.Self() != 101 {
		t.Fatalf("second session at %d", second.Self())
	}
	if !pool.Deliver(1, 7, "hello") || !pool.Deliver(5, 7, "nobody") || !pool.Deliver(-1, 7, "nobody") {
		t.Fatal("a reply was refused")
	}
	if from, message, ok := second.Receive(time.Second); !ok || from != 7 || message != "hello" {
		t.Fatalf("second received %v %v %v", from, message, ok)
	}
	if _, _, ok := second.Receive(0); ok {
		t.Fatal("an empty mailbox gave a message")
	}
	for range mailboxLen {
		pool.Deliver(0, 7, "fill")
	}
	if pool.Deliver(0, 7, "one too many") {
		t.Fatal("a full mailbox took a reply")
	}
	waiting, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
	defer cancel()
	if _, err := pool.Acquire(waiting); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a third Acquire of two sessions: %v", err)
	}
	pool.Release(second)
	if again, err := pool.Acquire(ctx); err != nil || again != second {
		t.Fatalf("after Release: %v, %v", again, err)
	}
	pool.Close()
	pool.Close()
	if _, err := pool.Acquire(ctx); !errors.Is(err, errClosed) {
		t.Fatalf("Acquire after Close: %v", err)
	}
}

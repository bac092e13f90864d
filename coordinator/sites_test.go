package coordinator_test

import (
	"context"
	"testing"
	"time"

	"github.com/proven2pc/proven/coordinator"
	"github.com/proven2pc/proven/engines/wire"
)

// stillHost is a Host whose clock stands still and whose network is
// silent: enough to begin transactions.
type stillHost struct{}

func (stillHost) Self() wire.Address                              { return 7 }
func (stillHost) Now() int64                                      { return int64(time.Second) }
func (stillHost) Send(wire.Address, any) error                    { return nil }
func (stillHost) Receive(time.Duration) (wire.Address, any, bool) { return 0, nil, false }

// With the short-timeout site on, every other read-write transaction's
// deadline comes 5, 10, 20, then 40ms after its begin, never later than
// the timeout asked for; with it off, the timeout asked for.
func TestShortTimeoutSiteShortensEveryOtherTransaction(t *testing.T) {
	on := true
	coord, err := coordinator.New(stillHost{}, coordinator.Config{ID: 1,
		Processor: func(string) wire.Address { return 100 },
		Sites:     func() coordinator.Sites { return coordinator.Sites{ShortTimeouts: on} }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	asked := []time.Duration{time.Second, time.Second, time.Second, time.Second, time.Second, 7 * time.Millisecond,
		time.Second, time.Second}
	want := []time.Duration{time.Second, 5 * time.Millisecond, time.Second, 10 * time.Millisecond, time.Second,
		7 * time.Millisecond, time.Second, 40 * time.Millisecond}
	for i, timeout := range asked {
		tx := coord.Begin(ctx, timeout)
		if got := time.Duration(tx.DeadlineNanos() - tx.ID().WallNanos); got != want[i] {
			t.Fatalf("transaction %d: timeout %v, want %v", i+1, got, want[i])
		}
	}
	on = false
	for i := range 2 {
		tx := coord.Begin(ctx, time.Second)
		if got := time.Duration(tx.DeadlineNanos() - tx.ID().WallNanos); got != time.Second {
			t.Fatalf("site off, transaction %d: timeout %v", i+1, got)
		}
	}
}

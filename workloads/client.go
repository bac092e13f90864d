package workloads

import (
	"time"

	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/engines/value"
)

// client is how Proven's own workloads see a Client: the public one, with
// the shorthands their operations share.
type client struct {
	Client
	coord Transactions
}

// Transaction timeouts: short enough that faults force aborts.
const (
	timeoutMin    = 100 * time.Millisecond
	timeoutSpread = 900 * time.Millisecond
)

func (c *client) rand(n int) int { return c.Rand().IntN(n) }

func (c *client) timeout() time.Duration {
	return timeoutMin + time.Duration(c.rand(int(timeoutSpread/time.Millisecond)))*time.Millisecond
}

// transact runs body in a read-write transaction with a random timeout
// (see Transact).
func (c *client) transact(function, key string, input value.Value, body TransactionBody) (value.Value, checkers.EventType) {
	return Transact(c.Client, function, key, input, c.timeout(), body)
}

// read records reads as one operation (see Read).
func (c *client) read(function, key string, body ReadBody) (value.Value, bool) {
	return Read(c.Client, function, key, body)
}

// pick returns a random element.
func pick[T any](c *client, items []T) T { return items[c.rand(len(items))] }

package node

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Leases live in a JetStream key-value bucket (replicated like the
// streams) whose entries expire LeaseTTL after they were written: a key
// per stream ("stream.<name>") and one for the runner ("runner"), whose
// value names the holder's incarnation. Acquiring is Create (only when
// the key is absent: never held, released, or expired); renewing is
// Update at the revision the holder last wrote (so a holder whose key
// expired and was taken by another learns it lost); releasing is Delete
// at that revision.
//
// Fencing: a holder counts its lease valid until the time it sent its
// last successful write plus LeaseTTL minus a margin. The key cannot
// expire before LeaseTTL after that write was stored, which is after it
// was sent, so no other node can hold the lease while this one counts it
// valid (clocks may be offset between machines, but must run at nearly
// the same rate: the margin, a fifth of the TTL, absorbs the difference
// in rate and in the bucket's expiry timer). A process paused past its
// lease (SIGSTOP) sees it expired when it resumes and answers nothing.

// errLeaseHeld: another incarnation holds the key.
var errLeaseHeld = errors.New("node: the lease is held by another node")

// errLeaseLost: the key changed under the holder (it expired and was
// taken, or was deleted).
var errLeaseLost = errors.New("node: the lease was lost")

// leases acquires, renews and releases this incarnation's leases.
type leases struct {
	kv    jetstream.KeyValue
	ttl   time.Duration
	value []byte
}

// lease is one held key.
type lease struct {
	key      string
	revision uint64
	// renewedNanos is when the last successful write was sent.
	renewedNanos int64
	// validUntil is the time (Unix nanoseconds) up to which the holder
	// may act.
	validUntil atomic.Int64
}

// valid reports whether the holder may act at now.
func (l *lease) valid(now int64) bool { return l != nil && now < l.validUntil.Load() }

func (ls *leases) margin() time.Duration { return ls.ttl / 5 }

// operationTimeout bounds one key-value operation, so that a slow bucket
// (a leader election) cannot hold the lease loop past a renewal.
const operationTimeout = time.Second

// acquire takes key if no other incarnation holds it. A key this
// incarnation still holds (its renewal failed for a while) is taken back.
func (ls *leases) acquire(ctx context.Context, key string) (*lease, error) {
	ctx, cancel := context.WithTimeout(ctx, operationTimeout)
	defer cancel()
	sent := time.Now()
	revision, err := ls.kv.Create(ctx, key, ls.value)
	if errors.Is(err, jetstream.ErrKeyExists) {
		entry, getErr := ls.kv.Get(ctx, key)
		if getErr != nil {
			return nil, fmt.Errorf("node: lease %s: %w", key, getErr)
		}
		if string(entry.Value()) != string(ls.value) {
			return nil, errLeaseHeld
		}
		sent = time.Now()
		revision, err = ls.kv.Update(ctx, key, ls.value, entry.Revision())
	}
	if err != nil {
		return nil, fmt.Errorf("node: lease %s: %w", key, err)
	}
	held := &lease{key: key}
	ls.written(held, revision, sent)
	return held, nil
}

func (ls *leases) written(held *lease, revision uint64, sent time.Time) {
	held.revision = revision
	held.renewedNanos = sent.UnixNano()
	held.validUntil.Store(sent.Add(ls.ttl - ls.margin()).UnixNano())
}

// renew extends a held lease. errLeaseLost: another node may hold it now.
func (ls *leases) renew(ctx context.Context, held *lease) error {
	ctx, cancel := context.WithTimeout(ctx, operationTimeout)
	defer cancel()
	sent := time.Now()
	revision, err := ls.kv.Update(ctx, held.key, ls.value, held.revision)
	if err != nil {
		if errors.Is(err, jetstream.ErrKeyRevisionMismatch) || errors.Is(err, jetstream.ErrKeyNotFound) {
			held.validUntil.Store(0)
			return errLeaseLost
		}
		return fmt.Errorf("node: renewing lease %s: %w", held.key, err)
	}
	ls.written(held, revision, sent)
	return nil
}

// due reports whether a lease should be renewed now: a quarter of the
// TTL after its last write.
func (ls *leases) due(held *lease, now time.Time) bool {
	return now.UnixNano()-held.renewedNanos >= int64(ls.ttl/4)
}

// release gives a lease up at once (the holder stopped acting first).
func (ls *leases) release(ctx context.Context, held *lease) {
	held.validUntil.Store(0)
	ctx, cancel := context.WithTimeout(ctx, operationTimeout)
	defer cancel()
	_ = ls.kv.Delete(ctx, held.key, jetstream.LastRevision(held.revision))
}

package streamlog

import (
	"errors"
	"fmt"

	"github.com/proven2pc/proven/engines/wire"
)

// Storage is where a host keeps a Service's records: the simulated
// disk's mirrored files (cluster) and the segment files of the real
// runtime (live/filelog) both implement it, and a Driver runs the service
// over either.
//
// Reading the records back and removing old ones are not part of it: each
// host reads its storage once, before the service exists (sim.Disk's
// mirror repair, the file log's segment scan), and hands the records to
// Recover or RecoverSuffix; only the real runtime removes old records.
type Storage interface {
	// Append adds record after the last one. It is durable only once a
	// later Sync returns nil. The storage does not keep record's memory.
	Append(record []byte) error
	// Sync makes every record appended so far durable. An error is fatal:
	// what reached the device is unknown, so the storage refuses every
	// later Append and Sync.
	Sync() error
}

// ErrStorageFailed wraps the storage error that stopped a Driver.
var ErrStorageFailed = errors.New("streamlog: storage failed")

// Driver carries out a Service's Readys over a Storage, for hosts: each
// step's records are appended as it makes them, and Flush syncs once for
// every step since the previous Flush and only then hands out their
// messages (persist before you speak). The simulator flushes after every
// step; the real runtime steps a batch of messages and flushes once, so
// that concurrent appends share one sync (group commit). Messages of
// steps not yet flushed may name entries that are not durable yet; they
// leave only after the Flush that makes them durable.
//
// After a storage error the Driver refuses every later call with it: the
// messages it held are never handed out.
type Driver struct {
	service *Service
	storage Storage
	// outbox holds the messages of the steps since the last Flush.
	outbox []Outbound
	// sent is the outbox Flush handed out last; its array is reused.
	sent []Outbound
	// Invariant: unsynced is true iff a record was appended since the last
	// Sync.
	unsynced bool
	err      error
}

// NewDriver returns a driver of service over storage. The storage must
// hold exactly the records service was recovered from.
func NewDriver(service *Service, storage Storage) *Driver {
	return &Driver{service: service, storage: storage}
}

// Service returns the driven service, for reads and RemoveBelow between
// steps.
func (d *Driver) Service() *Service { return d.service }

// Err returns the storage error that stopped the driver, or nil.
func (d *Driver) Err() error { return d.err }

// Step steps the service with one message and appends the records it
// asks for. Its messages wait for Flush.
func (d *Driver) Step(from wire.Address, message any) error {
	if d.err != nil {
		return d.err
	}
	return d.carry(d.service.Step(from, message))
}

// Tick ticks the service and appends the records it asks for. Its
// messages wait for Flush.
func (d *Driver) Tick() error {
	if d.err != nil {
		return d.err
	}
	return d.carry(d.service.Tick())
}

// carry appends a Ready's records and keeps a copy of its messages (a
// Ready's arrays are reused by the next step).
func (d *Driver) carry(ready Ready) error {
	for _, record := range ready.Persist {
		if err := d.storage.Append(record); err != nil {
			return d.fail("append", err)
		}
		d.unsynced = true
	}
	d.outbox = append(d.outbox, ready.Messages...)
	return nil
}

// Flush syncs the storage if any record was appended since the last
// Flush, and returns the messages of every step since then, in order, to
// be sent now. The returned slice is valid until the next Flush.
func (d *Driver) Flush() ([]Outbound, error) {
	if d.err != nil {
		return nil, d.err
	}
	if d.unsynced {
		if err := d.storage.Sync(); err != nil {
			return nil, d.fail("sync", err)
		}
		d.unsynced = false
	}
	clear(d.sent)
	d.sent, d.outbox = d.outbox, d.sent[:0]
	return d.sent, nil
}

func (d *Driver) fail(operation string, err error) error {
	d.err = fmt.Errorf("%w: %s: %w", ErrStorageFailed, operation, err)
	clear(d.outbox)
	d.outbox = d.outbox[:0]
	return d.err
}

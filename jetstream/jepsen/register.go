package jepsen

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/engines/kv"
	"github.com/proven2pc/proven/engines/value"
	"github.com/proven2pc/proven/jetstream/remote"
)

// registerKeys is the number of registers (reg-0..), spread over the
// streams.
const registerKeys = 6

// registers is the register workload's shared state: the next value to
// write (every write and cas writes a value of its own) and, per key, the
// last value a client saw or wrote there, as the expected value of the
// next cas on it.
type registers struct {
	keys     []keyRef
	next     atomic.Int64
	mutex    sync.Mutex
	lastSeen map[string]value.Value
}

func newRegisters(keys []keyRef) *registers {
	return &registers{keys: keys, lastSeen: map[string]value.Value{}}
}

func (r *registers) take() value.Value { return value.Int(r.next.Add(1)) }

func (r *registers) seen(key keyRef) value.Value {
	r.mutex.Lock()
	defer r.mutex.Unlock()
	if seen, ok := r.lastSeen[key.label()]; ok {
		return seen
	}
	return value.Null()
}

func (r *registers) see(key keyRef, v value.Value) {
	r.mutex.Lock()
	defer r.mutex.Unlock()
	r.lastSeen[key.label()] = v
}

// registerOperation: on one register, a read (ad-hoc: its own
// transaction on the stream), a write of a fresh value, or a
// compare-and-set from the last value seen there to a fresh one (a
// transaction that reads and writes when the value matches), each
// recorded with the register as its key, as the simulator's register
// workload records them; checked for linearizability per key.
func (c *client) registerOperation(r *registers) {
	key := r.keys[c.random.IntN(len(r.keys))]
	switch choice := c.random.IntN(10); {
	case choice < 4:
		c.readRegister(r, key)
	case choice < 7:
		written := r.take()
		c.transact(checkers.FunctionWrite, key.label(), written,
			func(ctx context.Context, tx *remote.Txn) (value.Value, error) {
				return written, kv.New(tx, key.stream).Put(ctx, key.key, written)
			})
		r.see(key, written)
	default:
		from, to := r.seen(key), r.take()
		c.transact(checkers.FunctionCAS, key.label(), value.List(from, to),
			func(ctx context.Context, tx *remote.Txn) (value.Value, error) {
				store := kv.New(tx, key.stream)
				current, _, err := store.Get(ctx, key.key)
				if err != nil {
					return value.Null(), err
				}
				r.see(key, current)
				if !current.Equal(from) {
					return value.Bool(false), nil
				}
				r.see(key, to)
				return value.Bool(true), store.Put(ctx, key.key, to)
			})
	}
}

// readRegister reads a register ad hoc: ok with its value (Null when
// absent), or fail (a read changes nothing). It reports whether it was
// ok.
func (c *client) readRegister(r *registers, key keyRef) bool {
	ctx := context.Background()
	c.recorder.record(checkers.Event{Process: c.process, Type: checkers.TypeInvoke, Function: checkers.FunctionRead,
		Key: key.label(), Value: value.Null()})
	current, _, err := kv.New(c.run.pick(c.random).AdHoc(), key.stream).Get(ctx, key.key)
	if err != nil {
		c.recorder.record(checkers.Event{Process: c.process, Type: checkers.TypeFail, Function: checkers.FunctionRead,
			Key: key.label(), Value: value.Null(), Error: reason(err)})
		return false
	}
	c.recorder.record(checkers.Event{Process: c.process, Type: checkers.TypeOK, Function: checkers.FunctionRead,
		Key: key.label(), Value: current})
	r.see(key, current)
	return true
}

// checkRegisters checks the register history for linearizability per
// key, with porcupine: info operations (settled from the logs as
// committed, or never settled) stay open to the end of the history.
func checkRegisters(history checkers.History) (checkers.Result, error) {
	return checkers.CheckLinearizable(history, checkers.LinearizableConfig{Model: checkers.ModelRegister,
		Initial: value.Null()})
}

// RegisterCounts counts a register history's completions by type and
// function (ok reads, ok writes and cas, info, fail), to tell a check
// that passed over a real history from one that passed over nothing.
type RegisterCounts struct {
	Reads, Writes, Info, Fail int
}

// CountRegisters counts the completions of a register history.
func CountRegisters(history checkers.History) RegisterCounts {
	var counts RegisterCounts
	for _, event := range history.Events {
		switch {
		case event.Type == checkers.TypeOK && event.Function == checkers.FunctionRead:
			counts.Reads++
		case event.Type == checkers.TypeOK:
			counts.Writes++
		case event.Type == checkers.TypeInfo:
			counts.Info++
		case event.Type == checkers.TypeFail:
			counts.Fail++
		}
	}
	return counts
}

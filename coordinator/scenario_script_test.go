package coordinator_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/cluster"
	"github.com/proven2pc/proven/coordinator"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/kv"
	"github.com/proven2pc/proven/engines/value"
	"github.com/proven2pc/proven/engines/wire"
	"github.com/proven2pc/proven/sim"
)

// step is one line of a manual or client script.
type step struct {
	verb      string   // op, prepare, commit, abort, sleep; put, get, rollback, readonly, read
	streams   []string // prepare, commit, abort (manual)
	stream    string   // op, put, get, read
	key       string
	operation string // put or get, for writes and reads of either script kind
	mode      string // commit: "", "again" or "resend"
	duration  time.Duration
	until     bool // sleep until a virtual time rather than for a duration
}

// parseStep parses a script line; client is the real-coordinator vocabulary.
func parseStep(line string, client bool) (step, error) {
	fields := strings.Fields(line)
	st := step{verb: fields[0]}
	args := fields[1:]
	switch {
	case st.verb == "sleep":
		if len(args) == 2 && args[0] == "until" {
			st.until, args = true, args[1:]
		}
		if len(args) != 1 {
			return st, fmt.Errorf("%q: want sleep D or sleep until T", line)
		}
		var err error
		st.duration, err = time.ParseDuration(args[0])
		return st, err
	case !client && st.verb == "op" && len(args) == 3 && (args[1] == "put" || args[1] == "get"):
		st.stream, st.operation, st.key = args[0], args[1], args[2]
	case !client && (st.verb == "prepare" || st.verb == "abort") && len(args) > 0:
		st.streams = args
	case !client && st.verb == "commit" && len(args) > 0:
		if last := args[len(args)-1]; last == "again" || last == "resend" {
			st.mode, args = last, args[:len(args)-1]
		}
		st.streams = args
	case client && (st.verb == "put" || st.verb == "get" || st.verb == "read") && len(args) == 2:
		st.stream, st.key, st.operation = args[0], args[1], st.verb
		if st.verb == "read" {
			st.operation = "get"
		}
	case client && (st.verb == "commit" || st.verb == "rollback" || st.verb == "readonly") && len(args) == 0:
	default:
		return st, fmt.Errorf("unknown step %q", line)
	}
	if st.verb == "commit" && !client && len(st.streams) == 0 {
		return st, fmt.Errorf("%q: no stream", line)
	}
	return st, nil
}

func sleepStep(p *sim.Process, world *sim.World, st step) {
	wait := st.duration
	if st.until {
		wait = st.duration - time.Duration(world.Now())
	}
	if wait > 0 {
		p.Sleep(wait)
	}
}

// manual is a coordinator scripted line by line: it speaks the protocol
// directly (appends of encoded entries through the log service) and stops
// wherever its script ends.
type manual struct {
	p             *sim.Process
	world         *sim.World
	sc            *script
	log           sim.Addr
	origin        uint64
	nextRequest   uint64
	txn           engines.TxnID
	deadlineNanos int64
	touched       []string
	start         map[string]uint64
	sequence      map[string]uint32
	votes         map[string]clock.Timestamp
	lastCommit    map[string]wire.RequestID
	lastPosition  map[string]uint64
}

const (
	manualRetry    = 50 * time.Millisecond
	manualPatience = time.Second
)

func newManual(p *sim.Process, world *sim.World, cluster *cluster.Cluster, sc *script, index int,
	deadline time.Duration) *manual {
	origin := uint64(1000 + index)
	txn := engines.TxnID{WallNanos: p.Now(), Node: uint32(origin)}
	return &manual{p: p, world: world, sc: sc, log: sim.Addr{Node: cluster.Log}, origin: origin, txn: txn,
		deadlineNanos: txn.WallNanos + int64(deadline), start: map[string]uint64{}, sequence: map[string]uint32{},
		votes: map[string]clock.Timestamp{}, lastCommit: map[string]wire.RequestID{},
		lastPosition: map[string]uint64{}}
}

func (m *manual) run(steps []step) {
	m.sc.logf(m.world, "begin: deadline %v", time.Duration(m.deadlineNanos).Truncate(time.Millisecond))
	for _, st := range steps {
		switch st.verb {
		case "sleep":
			sleepStep(m.p, m.world, st)
		case "op":
			m.operation(st)
		case "prepare":
			m.prepare(st.streams)
		case "commit":
			m.commit(st.streams, st.mode)
		case "abort":
			m.abort(st.streams)
		}
	}
}

func (m *manual) request() wire.RequestID {
	m.nextRequest++
	return wire.RequestID{Origin: m.origin, Sequence: m.nextRequest}
}

func (m *manual) append(stream string, request wire.RequestID, entry wire.Entry) {
	entry.Txn, entry.DeadlineNanos, entry.Request = m.txn, m.deadlineNanos, request
	entry.ReplyTo = cluster.Address(m.p.Addr())
	_ = m.p.Send(m.log, wire.MsgAppend{Request: request, ReplyTo: entry.ReplyTo, Stream: stream,
		Payload: entry.Encode()})
}

// await sends, then passes every message to match until it reports done,
// sending again every manualRetry without an answer; false after
// manualPatience.
func (m *manual) await(send func(), match func(message any) (done bool)) bool {
	send()
	giveUp := m.world.Now() + int64(manualPatience)
	resendAt := m.world.Now() + int64(manualRetry)
	for {
		now := m.world.Now()
		if now >= giveUp {
			return false
		}
		if now >= resendAt {
			send()
			resendAt = now + int64(manualRetry)
		}
		_, message, ok := m.p.Receive(time.Duration(min(resendAt, giveUp) - now))
		if ok && match(message) {
			return true
		}
	}
}

func (m *manual) operation(st step) {
	m.sequence[st.stream]++
	if !slices.Contains(m.touched, st.stream) {
		m.touched = append(m.touched, st.stream)
	}
	operation := kv.Operation{Kind: kv.OperationGet, Key: st.key}
	if st.operation == "put" {
		operation = kv.Operation{Kind: kv.OperationPut, Key: st.key, Value: value.String(m.sc.name)}
	}
	request := m.request()
	entry := wire.Entry{Kind: wire.EntryOperation, Sequence: m.sequence[st.stream], Operation: operation.Encode()}
	var reply wire.MsgOperationReply
	answered := m.await(func() { m.append(st.stream, request, entry) }, func(message any) bool {
		r, ok := message.(wire.MsgOperationReply)
		if ok && r.Request == request {
			reply = r
		}
		return ok && r.Request == request
	})
	what := fmt.Sprintf("op %s %s %s", st.stream, st.operation, st.key)
	switch {
	case !answered:
		m.sc.logf(m.world, "%s: no answer", what)
		return
	case reply.Status != engines.StatusDone:
		m.sc.logf(m.world, "%s: failed (%s): %s", what, reply.Code, reply.Error)
	case st.operation == "get":
		m.sc.logf(m.world, "%s: %s", what, describeResult(reply.Result))
	default:
		m.sc.logf(m.world, "%s: done", what)
	}
	if m.start[st.stream] == 0 {
		m.start[st.stream] = reply.Position
	}
}

func describeResult(result []byte) string {
	value, err := value.Decode(result)
	if err != nil {
		return fmt.Sprintf("undecodable result: %v", err)
	}
	return value.String()
}

// prepare appends Prepare (listing every stream operated on) to streams
// and waits for their votes.
func (m *manual) prepare(streams []string) {
	var participants []wire.Participant
	for _, stream := range m.touched {
		participants = append(participants, wire.Participant{Stream: stream, StartPosition: m.start[stream]})
	}
	requests := make([]wire.RequestID, len(streams))
	for i := range streams {
		requests[i] = m.request()
	}
	results := make([]string, len(streams))
	pending := len(streams)
	m.await(func() {
		for i, stream := range streams {
			if results[i] == "" {
				m.append(stream, requests[i], wire.Entry{Kind: wire.EntryPrepare, Participants: participants})
			}
		}
	}, func(message any) bool {
		vote, ok := message.(wire.MsgVote)
		i := slices.Index(requests, vote.Request)
		if !ok || i < 0 || results[i] != "" {
			return false
		}
		results[i] = fmt.Sprintf("refused (%s): %s", vote.Code, vote.Reason)
		if vote.Prepared {
			results[i] = "prepared"
			m.votes[streams[i]] = vote.PrepareTimestamp
		}
		pending--
		return pending == 0
	})
	for i, stream := range streams {
		m.sc.logf(m.world, "prepare %s: %s", stream, cmpOr(results[i], "no answer"))
	}
}

// commit appends Commit at max(prepare timestamps) to streams and waits for
// the log's acknowledgements, telling whether each landed by the deadline.
func (m *manual) commit(streams []string, mode string) {
	commitTimestamp := clock.Timestamp{}
	for _, stream := range slices.Sorted(maps.Keys(m.votes)) {
		commitTimestamp = commitTimestamp.Max(m.votes[stream])
	}
	results := m.appendAll(streams, wire.Entry{Kind: wire.EntryCommit, CommitTimestamp: commitTimestamp},
		func(stream string) wire.RequestID {
			if previous, ok := m.lastCommit[stream]; ok && mode == "resend" {
				return previous
			}
			request := m.request()
			m.lastCommit[stream] = request
			return request
		})
	suffix := ""
	if mode != "" {
		suffix = " " + mode
	}
	for i, stream := range streams {
		m.sc.logf(m.world, "commit %s%s: %s", stream, suffix, results[i])
	}
}

func (m *manual) abort(streams []string) {
	results := m.appendAll(streams, wire.Entry{Kind: wire.EntryAbort},
		func(string) wire.RequestID { return m.request() })
	for i, stream := range streams {
		m.sc.logf(m.world, "abort %s: %s", stream, results[i])
	}
}

// appendAll appends entry to every stream and describes each
// acknowledgement: by the deadline or after it, and whether it made a new
// entry on a stream that already had one of this script's Commit entries.
func (m *manual) appendAll(streams []string, entry wire.Entry,
	requestFor func(stream string) wire.RequestID) []string {
	requests := make([]wire.RequestID, len(streams))
	for i, stream := range streams {
		requests[i] = requestFor(stream)
	}
	results := make([]string, len(streams))
	pending := len(streams)
	m.await(func() {
		for i, stream := range streams {
			if results[i] == "" {
				m.append(stream, requests[i], entry)
			}
		}
	}, func(message any) bool {
		ack, ok := message.(wire.MsgAppendReply)
		i := slices.Index(requests, ack.Request)
		if !ok || i < 0 || results[i] != "" {
			return false
		}
		results[i] = m.describeAck(streams[i], entry.Kind, ack)
		pending--
		return pending == 0
	})
	for i := range results {
		results[i] = cmpOr(results[i], "no acknowledgement")
	}
	return results
}

func (m *manual) describeAck(stream string, kind wire.EntryKind, ack wire.MsgAppendReply) string {
	result := "appended by the deadline"
	if ack.Timestamp.WallNanos > m.deadlineNanos {
		result = "appended after the deadline"
	}
	if kind != wire.EntryCommit {
		return result
	}
	switch previous, ok := m.lastPosition[stream]; {
	case ok && previous == ack.Position:
		result += " (deduplicated: the same entry)"
	case ok:
		result += " (a second Commit entry)"
	}
	m.lastPosition[stream] = ack.Position
	return result
}

// runClient runs a client script with the real coordinator.
func runClient(p *sim.Process, world *sim.World, coord *coordinator.Coordinator, sc *script, timeout time.Duration,
	steps []step) {
	ctx := context.Background()
	tx := coord.Begin(ctx, timeout)
	if slices.ContainsFunc(steps, func(st step) bool { return st.verb != "sleep" && st.verb != "readonly" && st.verb != "read" }) {
		sc.logf(world, "begin: deadline %v", time.Duration(tx.DeadlineNanos()).Truncate(time.Millisecond))
	}
	var read *coordinator.ReadTxn
	for _, st := range steps {
		switch st.verb {
		case "sleep":
			sleepStep(p, world, st)
		case "put":
			err := kv.New(tx, st.stream).PutString(ctx, st.key, sc.name)
			sc.logf(world, "put %s %s: %s", st.stream, st.key, describeError(err, "ok"))
		case "get":
			value, found, err := kv.New(tx, st.stream).GetString(ctx, st.key)
			sc.logf(world, "get %s %s: %s", st.stream, st.key, describeRead(value, found, err))
		case "commit":
			sc.told = describeError(tx.Commit(ctx), "committed")
			sc.logf(world, "commit: %s", sc.told)
		case "rollback":
			sc.logf(world, "rollback: %s", describeError(tx.Rollback(ctx), "ok"))
		case "readonly":
			read = coord.BeginReadOnly(ctx)
			sc.logf(world, "readonly: snapshot taken")
		case "read":
			if read == nil {
				read = coord.BeginReadOnly(ctx)
			}
			value, found, err := kv.New(read, st.stream).GetString(ctx, st.key)
			sc.logf(world, "read %s %s: %s", st.stream, st.key, describeRead(value, found, err))
		}
	}
}

func describeRead(value string, found bool, err error) string {
	switch {
	case err != nil:
		return describeError(err, "")
	case !found:
		return "absent"
	}
	return fmt.Sprintf("%q", value)
}

// describeError classifies what the coordinator returned.
func describeError(err error, success string) string {
	var aborted *coordinator.AbortedError
	var refusal *engines.Refusal
	switch {
	case err == nil:
		return success
	case errors.As(err, &aborted) && aborted.Stream != "":
		return fmt.Sprintf("aborted (%s) on %s", aborted.Reason, aborted.Stream)
	case errors.As(err, &aborted):
		return fmt.Sprintf("aborted (%s)", aborted.Reason)
	case errors.Is(err, coordinator.ErrIndeterminate):
		return "indeterminate"
	case errors.As(err, &refusal):
		return fmt.Sprintf("refused (%s)", refusal.Code)
	}
	return "error: " + err.Error()
}

func cmpOr(value, fallback string) string {
	if value == "" {
		return fallback
	}
	return value
}

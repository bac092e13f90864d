package resource

import (
	"maps"
	"math"
	"slices"
	"testing"

	"github.com/proven2pc/proven/engines"
	"pgregory.net/rapid"
)

// model is the serial reference: committed tokens, balances and supplies.
type model struct {
	tokens   map[string]Metadata
	balances map[accountKey]int64
	supplies map[string]int64
}

func newModel() model {
	return model{tokens: map[string]Metadata{}, balances: map[accountKey]int64{}, supplies: map[string]int64{}}
}

func (m model) clone() model {
	return model{tokens: maps.Clone(m.tokens), balances: maps.Clone(m.balances), supplies: maps.Clone(m.supplies)}
}

// modelOutcome is what the model answers: a result or a refusal code.
type modelOutcome struct {
	result []byte
	code   engines.ErrorCode
}

func modelDone(result []byte) modelOutcome            { return modelOutcome{result: result} }
func modelFailed(code engines.ErrorCode) modelOutcome { return modelOutcome{code: code} }

// apply runs op serially on m, checking in the engine's order: names, the
// token, the amount, then the balance or supply.
func (m model) apply(op operation) modelOutcome {
	if op.kind == operationCreate {
		return m.create(op)
	}
	for _, name := range []string{op.token, op.from, op.to, op.account} {
		if len(name) > NameLenMax {
			return modelFailed(engines.CodeInvalid)
		}
	}
	if op.token == "" || (op.kind == operationBalance && op.account == "") ||
		(op.kind == operationMint && op.to == "") || (op.kind == operationBurn && op.from == "") ||
		(op.kind == operationTransfer && (op.from == "" || op.to == "")) {
		return modelFailed(engines.CodeInvalid)
	}
	meta, ok := m.tokens[op.token]
	if !ok {
		return modelFailed(engines.CodeNotFound)
	}
	switch op.kind {
	case operationBalance:
		return modelDone(encodeAmountResult(amountFromUnits(m.balances[accountKey{op.token, op.account}], meta.Decimals)))
	case operationSupply:
		return modelDone(encodeAmountResult(amountFromUnits(m.supplies[op.token], meta.Decimals)))
	case operationMetadata:
		return modelDone(encodeMetadataResult(meta))
	}
	amount, err := ParseAmount(op.amount, meta.Decimals)
	if err != nil || amount.IsZero() {
		return modelFailed(engines.CodeInvalid)
	}
	return m.change(op, amount.Units())
}

func (m model) create(op operation) modelOutcome {
	if op.token == "" || len(op.token) > NameLenMax || op.symbol == "" || len(op.symbol) > SymbolLenMax {
		return modelFailed(engines.CodeInvalid)
	}
	if _, ok := m.tokens[op.token]; ok {
		return modelFailed(engines.CodeExists)
	}
	m.tokens[op.token] = Metadata{Symbol: op.symbol, Decimals: op.decimals}
	return modelDone(encodeNullResult())
}

func (m model) change(op operation, units int64) modelOutcome {
	switch op.kind {
	case operationMint:
		if m.supplies[op.token] > math.MaxInt64-units {
			return modelFailed(engines.CodeInvalid)
		}
		m.supplies[op.token] += units
		m.balances[accountKey{op.token, op.to}] += units
	case operationBurn:
		if m.balances[accountKey{op.token, op.from}] < units {
			return modelFailed(engines.CodeInsufficient)
		}
		m.supplies[op.token] -= units
		m.balances[accountKey{op.token, op.from}] -= units
	case operationTransfer:
		if m.balances[accountKey{op.token, op.from}] < units {
			return modelFailed(engines.CodeInsufficient)
		}
		m.balances[accountKey{op.token, op.from}] -= units
		m.balances[accountKey{op.token, op.to}] += units
	}
	return modelDone(encodeNullResult())
}

// step is one operation of a transaction with the engine's Done or Failed
// outcome.
type step struct {
	op      operation
	outcome engines.Outcome
}

type harnessTxn struct {
	id               engines.TxnID
	applied          bool
	prepared         bool
	prepareTimestamp int64
	steps            []step
	// touched records what the engine holds for it: created tokens,
	// pending balance deltas, pending supply deltas.
	created  map[string]bool
	balances map[accountKey]bool
	supplies map[string]bool
}

type committedState struct {
	commitTimestamp int64
	state           model
}

// harness drives the engine with interleaved transactions and checks each
// committed transaction against the serial model in commit order.
type harness struct {
	engine    *Engine
	clock     int64 // the last timestamp handed out (prepare, commit, snapshot)
	nextTxn   int64
	open      []*harnessTxn // sorted by id: oldest first
	model     model
	history   []committedState
	committed int
}

var (
	testTokens   = []string{"t0", "t1"}
	testAccounts = []string{"a", "b", "c"}
)

func TestEngineAgainstSerialModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		h := &harness{engine: NewEngine(), model: newModel()}
		h.setup(t)
		steps := rapid.IntRange(1, 120).Draw(t, "steps")
		for range steps {
			h.step(t)
		}
		h.finish(t)
	})
}

func (h *harness) setup(t *rapid.T) {
	txn := h.begin()
	h.apply(t, txn, operation{kind: operationCreate, token: "t0", symbol: "T", decimals: 2})
	for _, account := range testAccounts[:2] {
		h.apply(t, txn, operation{kind: operationMint, token: "t0", to: account, amount: "10"})
	}
	h.commit(t, txn)
}

func (h *harness) begin() *harnessTxn {
	h.nextTxn++
	txn := &harnessTxn{id: txnID(h.nextTxn), created: map[string]bool{}, balances: map[accountKey]bool{}, supplies: map[string]bool{}}
	h.open = append(h.open, txn)
	return txn
}

func (h *harness) step(t *rapid.T) {
	action := rapid.IntRange(0, 9).Draw(t, "action")
	if len(h.open) == 0 || (action == 0 && len(h.open) < 4) {
		h.begin()
		return
	}
	txn := rapid.SampledFrom(h.open).Draw(t, "txn")
	switch {
	case action <= 4:
		if !txn.prepared {
			h.apply(t, txn, h.drawOperationFor(t, txn))
		}
	case action == 5:
		h.prepare(t, txn)
	case action == 6:
		h.commit(t, txn)
	case action == 7:
		h.abort(txn)
	case action == 8:
		h.snapshotRead(t)
	default:
		h.restart(t)
	}
}

func drawOperation(t *rapid.T) operation {
	token := rapid.SampledFrom(testTokens).Draw(t, "token")
	from := rapid.SampledFrom(testAccounts).Draw(t, "from")
	to := rapid.SampledFrom(testAccounts).Draw(t, "to")
	amount := drawAmount(t)
	switch rapid.IntRange(0, 9).Draw(t, "kind") {
	case 0:
		return operation{kind: operationCreate, token: token, symbol: "S", decimals: rapid.IntRange(0, 3).Draw(t, "decimals")}
	case 1, 2:
		return operation{kind: operationMint, token: token, to: to, amount: amount}
	case 3:
		return operation{kind: operationBurn, token: token, from: from, amount: amount}
	case 4, 5, 6:
		return operation{kind: operationTransfer, token: token, from: from, to: to, amount: amount}
	case 7:
		return operation{kind: operationBalance, token: token, account: from}
	case 8:
		return operation{kind: operationSupply, token: token}
	}
	return operation{kind: operationMetadata, token: token}
}

// drawOperationFor draws an operation for txn; a third of the time, when
// txn has debited an account, it credits that account back (a transfer
// in, a mint), so that one transaction debits and then credits an
// account while others debit it: its reservation must stay at its peak
// debit (the escrow bug the processor-level property found).
func (h *harness) drawOperationFor(t *rapid.T, txn *harnessTxn) operation {
	var debited []accountKey
	for _, s := range txn.steps {
		if s.outcome.Status == engines.StatusDone && (s.op.kind == operationTransfer || s.op.kind == operationBurn) {
			debited = append(debited, accountKey{s.op.token, s.op.from})
		}
	}
	if len(debited) == 0 || rapid.IntRange(0, 2).Draw(t, "credit back") != 0 {
		return drawOperation(t)
	}
	key := rapid.SampledFrom(debited).Draw(t, "debited")
	amount := amountFromUnits(rapid.Int64Range(1, 300).Draw(t, "credit units"), 2).String()
	if rapid.Bool().Draw(t, "mint back") {
		return operation{kind: operationMint, token: key.token, to: key.account, amount: amount}
	}
	from := rapid.SampledFrom(testAccounts).Draw(t, "credit from")
	return operation{kind: operationTransfer, token: key.token, from: from, to: key.account, amount: amount}
}

// drawAmount draws decimal text, mostly valid for 2 decimals, sometimes
// zero, over-precise or malformed.
func drawAmount(t *rapid.T) string {
	if rapid.IntRange(0, 20).Draw(t, "malformed") == 0 {
		return rapid.SampledFrom([]string{"-1", "1e2", "", "x"}).Draw(t, "bad amount")
	}
	units := rapid.IntRange(0, 1200).Draw(t, "units")
	scale := rapid.IntRange(0, 3).Draw(t, "scale")
	return amountFromUnits(int64(units), scale).String()
}

// apply runs op for txn; a Blocked outcome is settled by wound-wait: the
// requester wounds (aborts) younger unprepared blockers and retries, or
// else it is aborted itself.
func (h *harness) apply(t *rapid.T, txn *harnessTxn, op operation) {
	for range 4 {
		outcome := h.engine.Apply(txn.id, op.encode(), timestamp(h.clock))
		txn.applied = true
		if outcome.Status != engines.StatusBlocked {
			h.record(t, txn, op, outcome)
			return
		}
		if !h.wound(t, txn, outcome.Blockers) {
			break
		}
	}
	h.abort(txn)
}

func (h *harness) wound(t *rapid.T, requester *harnessTxn, blockers []engines.TxnID) bool {
	var victims []*harnessTxn
	for _, id := range blockers {
		blocker := h.find(id)
		if blocker == nil {
			t.Fatalf("txn %v blocked on %v, which is not open", requester.id, id)
		}
		if blocker == requester {
			t.Fatalf("txn %v blocked on itself", requester.id)
		}
		if blocker.prepared || blocker.id.Less(requester.id) {
			return false
		}
		victims = append(victims, blocker)
	}
	for _, victim := range victims {
		h.abort(victim)
	}
	return true
}

func (h *harness) record(t *rapid.T, txn *harnessTxn, op operation, outcome engines.Outcome) {
	if outcome.Status != engines.StatusDone && outcome.Status != engines.StatusFailed {
		t.Fatalf("txn %v %s: unexpected outcome %s", txn.id, op.kind, showOutcome(outcome))
	}
	txn.steps = append(txn.steps, step{op: op, outcome: outcome})
	if outcome.Status != engines.StatusDone {
		return
	}
	switch op.kind {
	case operationCreate:
		txn.created[op.token] = true
	case operationMint:
		txn.balances[accountKey{op.token, op.to}] = true
		txn.supplies[op.token] = true
	case operationBurn:
		txn.balances[accountKey{op.token, op.from}] = true
		txn.supplies[op.token] = true
	case operationTransfer:
		txn.balances[accountKey{op.token, op.from}] = true
		txn.balances[accountKey{op.token, op.to}] = true
	}
}

func (h *harness) find(id engines.TxnID) *harnessTxn {
	for _, txn := range h.open {
		if txn.id == id {
			return txn
		}
	}
	return nil
}

func (h *harness) close(txn *harnessTxn) {
	h.open = slices.DeleteFunc(h.open, func(other *harnessTxn) bool { return other == txn })
}

func (h *harness) prepare(t *rapid.T, txn *harnessTxn) {
	if !txn.applied || txn.prepared {
		return
	}
	h.clock++
	if err := h.engine.Prepare(txn.id, timestamp(h.clock)); err != nil {
		t.Fatalf("prepare %v: %v", txn.id, err)
	}
	txn.prepared, txn.prepareTimestamp = true, h.clock
}

// commit commits txn (one-phase when not prepared) and checks its recorded
// outcomes against the serial model at its place in commit order.
func (h *harness) commit(t *rapid.T, txn *harnessTxn) {
	if !txn.applied {
		h.close(txn)
		return
	}
	h.clock++
	if err := h.engine.Commit(txn.id, timestamp(h.clock)); err != nil {
		t.Fatalf("commit %v: %v", txn.id, err)
	}
	h.close(txn)
	next := h.model.clone()
	for i, s := range txn.steps {
		want := next.apply(s.op)
		if !outcomeMatches(s.outcome, want) {
			t.Fatalf("committed txn %v (number %d in commit order) step %d %s %+v: engine %s, serial model %s",
				txn.id, h.committed, i, s.op.kind, s.op, showOutcome(s.outcome), showModel(want))
		}
	}
	h.committed++
	h.model = next
	h.history = append(h.history, committedState{commitTimestamp: h.clock, state: next.clone()})
}

func outcomeMatches(got engines.Outcome, want modelOutcome) bool {
	if want.code != "" {
		return got.Status == engines.StatusFailed && engines.AsRefusal(got.Err).Code == want.code
	}
	return got.Status == engines.StatusDone && slices.Equal(got.Result, want.result)
}

func showModel(want modelOutcome) string {
	if want.code != "" {
		return "failed " + string(want.code)
	}
	return showOutcome(engines.Done(want.result))
}

func (h *harness) abort(txn *harnessTxn) {
	h.engine.Abort(txn.id)
	h.close(txn)
}

// snapshotRead reads at a random timestamp already reached: it must be
// Blocked exactly on the prepared transactions at or below it that touch
// what it reads, and otherwise equal the model as of that timestamp.
func (h *harness) snapshotRead(t *rapid.T) {
	snapshot := rapid.Int64Range(0, h.clock).Draw(t, "snapshot")
	op := drawOperation(t)
	if op.kind.writes() {
		op = operation{kind: operationBalance, token: op.token, account: rapid.SampledFrom(testAccounts).Draw(t, "account")}
	}
	outcome := h.engine.Read(op.encode(), timestamp(snapshot))
	var blockers []engines.TxnID
	for _, txn := range h.open {
		if txn.prepared && txn.prepareTimestamp <= snapshot && touches(txn, op) {
			blockers = append(blockers, txn.id)
		}
	}
	if len(blockers) > 0 {
		if outcome.Status != engines.StatusBlocked || !slices.Equal(outcome.Blockers, blockers) || outcome.WaitFor != engines.WaitForFinished {
			t.Fatalf("read %+v at %d: got %s, want blocked on %v", op, snapshot, showOutcome(outcome), blockers)
		}
		return
	}
	want := h.stateAt(snapshot).clone().apply(op)
	if !outcomeMatches(outcome, want) {
		t.Fatalf("read %+v at %d: got %s, want %s", op, snapshot, showOutcome(outcome), showModel(want))
	}
}

func touches(txn *harnessTxn, op operation) bool {
	switch op.kind {
	case operationBalance:
		return txn.created[op.token] || txn.balances[accountKey{op.token, op.account}]
	case operationSupply:
		return txn.created[op.token] || txn.supplies[op.token]
	}
	return txn.created[op.token]
}

func (h *harness) stateAt(snapshot int64) model {
	state := newModel()
	for _, committed := range h.history {
		if committed.commitTimestamp <= snapshot {
			state = committed.state
		}
	}
	return state
}

func (h *harness) restart(t *rapid.T) {
	restored, err := checkInvariants(h.engine)
	if err != nil {
		t.Fatalf("checkpoint and restore: %v", err)
	}
	h.engine = restored
}

// finish ends every open transaction (prepared ones commit, active ones
// commit or abort), then checks that nothing is held and that the latest
// state read through snapshots equals the model.
func (h *harness) finish(t *rapid.T) {
	for len(h.open) > 0 {
		txn := h.open[0]
		if txn.prepared || rapid.Bool().Draw(t, "commit at end") {
			h.commit(t, txn)
		} else {
			h.abort(txn)
		}
	}
	if held := h.engine.Held(); !held.IsZero() {
		t.Fatalf("everything finished but the engine holds %+v", held)
	}
	h.restart(t)
	h.clock++
	for _, token := range testTokens {
		for _, op := range []operation{{kind: operationSupply, token: token}, {kind: operationMetadata, token: token}} {
			h.checkLatest(t, op)
		}
		for _, account := range testAccounts {
			h.checkLatest(t, operation{kind: operationBalance, token: token, account: account})
		}
	}
}

func (h *harness) checkLatest(t *rapid.T, op operation) {
	got := h.engine.Read(op.encode(), timestamp(h.clock))
	if want := h.model.clone().apply(op); !outcomeMatches(got, want) {
		t.Fatalf("final %+v: engine %s, model %s", op, showOutcome(got), showModel(want))
	}
}

// TestEscrowKeepsPeakDebit aims the serial-model check at one account:
// a transaction debits and credits account a in a random order, a younger
// one then debits a, and the two commit in a random order (or one
// aborts). Every answer must hold in commit order, which fails if a later
// credit shrinks the escrow of an earlier, already answered debit.
func TestEscrowKeepsPeakDebit(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		h := &harness{engine: NewEngine(), model: newModel()}
		h.setup(t)
		first := h.begin()
		for range rapid.IntRange(1, 4).Draw(t, "operations") {
			amount := amountFromUnits(rapid.Int64Range(1, 800).Draw(t, "units"), 2).String()
			op := operation{kind: operationTransfer, token: "t0", from: "a", to: "c", amount: amount}
			if rapid.Bool().Draw(t, "credit") {
				op.from, op.to = "b", "a"
			}
			h.apply(t, first, op)
		}
		second := h.begin()
		amount := amountFromUnits(rapid.Int64Range(1, 1000).Draw(t, "second units"), 2).String()
		h.apply(t, second, operation{kind: operationTransfer, token: "t0", from: "a", to: "b", amount: amount})
		order := []*harnessTxn{second, first}
		if rapid.Bool().Draw(t, "first commits first") {
			order = []*harnessTxn{first, second}
		}
		for _, txn := range order {
			if h.find(txn.id) == nil {
				continue // wounded or aborted while blocked
			}
			if rapid.IntRange(0, 4).Draw(t, "abort") == 0 {
				h.abort(txn)
			} else {
				h.commit(t, txn)
			}
		}
		h.finish(t)
	})
}

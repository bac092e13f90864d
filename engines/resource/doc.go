// Package resource is the Resource engine: fungible tokens with escrow
// reservations, behind the engines.Engine contract, and its typed client.
//
// # What it models
//
// A stream holds any number of named tokens. Each token is created with a
// symbol and a number of decimals (0..18) fixed forever, and has a supply
// and per-account balances. Operations (wire form in operation.go):
// Create(token, symbol, decimals), Mint(token, to, amount), Burn(token,
// from, amount), Transfer(token, from, to, amount), Balance(token, account),
// Supply(token), Metadata(token).
//
// Amounts are exact fixed-point decimals held as int64 units (value times
// 10^decimals). ParseAmount reads "12.5" or "0.000001" and refuses, never
// rounds: more fraction digits than the token has, signs, malformed text and
// values beyond int64. Operations also refuse zero amounts. Every sum is
// overflow-checked. Refusals carry engines codes: invalid (bad amount,
// name, decimals, overflow), not-found (unknown token), exists (Create of
// an existing token), insufficient (balance), read-only (a write in a
// snapshot read).
//
// # Concurrency control
//
// Committed state lives in an mvcc.Store as versions stamped with commit
// timestamps: metadata, supply and balance per key. Unfinished
// transactions live beside it:
//   - Deltas, not values. A transaction records a net delta per account it
//     changes and per token supply it changes. Commit adds each delta to
//     the latest committed value; nothing is an absolute overwrite computed
//     earlier, so concurrent credits never lose each other.
//   - Escrow. A debit (Burn, Transfer's from) of a by T fits iff the
//     committed balance covers the sum over unfinished transactions of
//     their reserved debits max(0, -delta), with T's delta already lowered
//     by a. T's own credits to the account offset its debits, so within a
//     transaction the answer is the serial one. If it does not fit and
//     other transactions hold deltas on the account, their fate can change
//     the answer: Blocked(WaitForFinished) on them. Otherwise the refusal
//     is a read of the balance: T takes a shared balance lock and the debit
//     fails insufficient.
//   - Credits (Mint, Transfer's to) never wait for other credits or debits.
//   - Shared locks record reads: Balance takes a balance lock, Supply a
//     supply lock, a not-found answer an absence lock on the token name.
//     Balance and Supply first wait for other transactions' deltas on what
//     they read. Debits and credits wait for other transactions' balance
//     locks on their accounts, Mint and Burn also for supply locks, Create
//     for absence locks. Locks are held until commit or abort (rule 9).
//   - Creation is transactional: others' operations on a token being
//     created wait for its creator to finish.
//   - Mint keeps the supply (hence every balance) below int64: the committed
//     supply plus T's net supply delta plus every other pending net mint
//     plus the amount must fit; when it fits only without others' pending
//     mints it waits for them, otherwise T takes a supply lock and the mint
//     is refused as an overflow.
//
// Read (read-only snapshot) reads the versions at the snapshot with no
// locks, and is Blocked(WaitForFinished) on every prepared transaction whose
// prepare timestamp is <= the snapshot and that creates the token or holds a
// delta on the account (Balance) or the supply (Supply).
//
// # Contract
//
// The processor drives one Engine per stream, single-threaded, in log
// order. It owns wound-wait, deadlines, retries of Blocked operations and
// the timestamps: prepare timestamps above every applied commit, commit
// timestamps strictly increasing among transactions that write. Prepare
// and Commit check these rules and return ErrBadTimestamp or
// ErrUnknownTransaction rather than break state. Bad operation bytes fail
// with CodeInvalid; Restore of bad bytes returns ErrCorruptCheckpoint.
// NewEngine makes an empty engine; Restore(checkpoint) rebuilds one
// (engines.Restorer). The typed Client (New) runs against any
// engines.Executor and returns its errors unchanged.
//
// # Invariants
//
//   - No committed balance is below zero (asserted at commit).
//   - Per account, reserved debits never exceed the committed balance
//     (asserted when reservations change and at commit).
//   - Supply equals the sum of balances: each commit changes a token's
//     supply by exactly the sum of its balance changes (asserted at commit);
//     Restore checks the whole equation, so tests check it through
//     checkpoints.
//   - Held() counts transactions, shared locks and pending entries
//     (deltas and creations); it is zero once every transaction finished.
//   - Checkpoint is deterministic: the same state gives the same bytes.
//
// # What it does not do
//
// No deadlock detection (wound-wait is the processor's), no deadlines, no
// GC of old versions, no cross-token operations, no negative balances or
// overdraft limits, no account deletion. A transaction's number of entries
// is bounded only by its operations; names are bounded (NameLenMax,
// SymbolLenMax).
//
// # Tests
//
// A rapid property test runs interleaved transactions (operations, 1PC and
// 2PC commits, aborts, wound-wait on Blocked, snapshot reads at random
// timestamps, checkpoint-and-restore at random points) and checks every
// committed transaction's outcomes against a serial model in commit order,
// snapshot reads against the model as of the snapshot (or Blocked exactly
// on the prepared transactions touching the read), the final state, and
// Held() == zero. Scenario files in testdata/ show transfers that fit and
// that do not, concurrent credits, Balance locking out debits, decimals
// rejection, creation, and snapshot reads blocked by a prepared transfer.
// Fuzz tests feed arbitrary operation bytes and checkpoints (raw, and
// sealed with a valid checksum). A benchmark measures single-transfer
// transactions through the engine alone.
package resource

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
//   - Escrow at the peak. Per account, a transaction also records its peak
//     debit: the largest cumulative debit over any prefix of its
//     operations there (max over prefixes of -net). That peak is its
//     reservation, and its later credits never lower it: its earlier
//     debits were answered against it, and in commit order they run
//     before those credits. A debit (Burn, Transfer's from) of a by T fits
//     iff the committed balance covers the other transactions'
//     reservations plus T's peak after the debit; then every order in
//     which the holders commit covers each of their debits. (Netting the
//     reservation against later credits let another debit slip in and
//     broke serializability; see
//     engines/processor's TestResourceCreditAfterDebitShrinksEscrow.) If
//     it does not fit and other transactions hold entries on the account,
//     their fate can change the answer: Blocked(WaitForFinished) on them.
//     Otherwise the refusal is a read of the balance: T takes a shared
//     balance lock and the debit fails insufficient.
//   - Credits (Mint, Transfer's to) never wait for other credits or debits.
//   - Shared locks record reads: Balance takes a balance lock, Supply a
//     supply lock, a not-found answer an absence lock on the token name.
//     Balance and Supply first wait for other transactions' deltas on what
//     they read. Debits and credits wait for other transactions' balance
//     locks on their accounts, Mint and Burn also for supply locks, Create
//     for absence locks. Locks are held until commit or abort (rule 9).
//   - Creation is transactional: others' operations on a token being
//     created wait for its creator to finish.
//   - Mint keeps the supply (hence every balance) below int64, with the
//     same peak rule: per token a transaction records its peak net mint
//     over any prefix of its operations, and the committed supply plus
//     every other transaction's peak plus T's new peak must fit; when it
//     fits only without others' pending mints it waits for them, otherwise
//     T takes a supply lock and the mint is refused as an overflow.
//
// # Representation
//
// A transaction's entries (balances, supplies, creations, locks) are small
// sorted slices, reused across transactions. The engine caches every
// committed balance above zero in its account records (the store's newest
// version, updated at commit), so operations never read the store. Apply
// decodes the common operations in place from the wire bytes, and takes
// token and account names from the known accounts, so a transfer between
// known accounts allocates only its amount text.
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
// the timestamps: prepare timestamps above every applied commit, commits in
// timestamp order. The transaction lifecycle is
// mvcc.Participant's, which asserts these rules (and that Prepare and
// Commit name a live transaction, and no operation follows a prepare), so
// Prepare and Commit return no error; its last commit timestamp is
// checkpointed. Commit writes the new balances, supplies and metadata as
// store intents (the participant's Write step), which the participant
// commits. Bad operation bytes fail with CodeInvalid; Restore of bad bytes
// returns engines.ErrCorruptCheckpoint.
// NewEngine makes an empty engine; Restore(checkpoint) rebuilds one
// (engines.Restorer). The typed Client (New) runs against any
// engines.Executor and returns its errors unchanged.
//
// # Invariants
//
//   - No committed balance is below zero (asserted at commit).
//   - Per account, the reservations (sum of peak debits) never exceed the
//     committed balance, and each peak is at least the transaction's net
//     debit (asserted when reservations change and at commit).
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
// Checkpoints are version 3 ("rsc3", fixed-width binary on internal/binenc,
// the transactions written by mvcc.Participant): entries carry net and
// peak; Restore refuses versions 1 (whose netted escrow was unsound) and 2
// (the same state in the value encoding).
//
// # Tests
//
// A rapid property test runs interleaved transactions (operations, 1PC and
// 2PC commits, aborts, wound-wait on Blocked, snapshot reads at random
// timestamps, checkpoint-and-restore at random points) and checks every
// committed transaction's outcomes against a serial model in commit order,
// snapshot reads against the model as of the snapshot (or Blocked exactly
// on the prepared transactions touching the read), the final state, and
// Held() == zero; it often credits back an account the transaction
// debited. A second property aims at that case: one transaction debits
// and credits an account in random order, a younger one debits it, and
// they commit in random order. Scenario files in testdata/ show transfers that fit and
// that do not, concurrent credits, Balance locking out debits, decimals
// rejection, creation, and snapshot reads blocked by a prepared transfer.
// Fuzz tests feed arbitrary operation bytes and checkpoints (raw, and
// sealed with a valid checksum). A benchmark measures single-transfer
// transactions through the engine alone.
package resource

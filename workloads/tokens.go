package workloads

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/coordinator"
	"github.com/proven2pc/proven/engines/resource"
	"github.com/proven2pc/proven/engines/value"
)

const (
	// tokenAccountsPer is the number of accounts per token stream.
	tokenAccountsPer = 4
	// tokenSupplyName is the supply's name among an audit's balances.
	tokenSupplyName = "supply"
	// tokenAudit names an audit in the token-supply check's view.
	tokenAudit = "audit"
)

// tokensWorkload: a token on each of two Resource streams, minted into
// and burnt from accounts under faults: mints, burns (refused when the
// balance does not cover them), transfers within a stream, and bridges
// that burn on one stream and mint on the other in one transaction; and
// audits, read-only transactions that read a stream's supply, then every
// balance, at one snapshot (an audit at a snapshot before the setup
// rightly fails: no token yet). Every change is recorded as "txn" with
// [add "stream/account" delta] and [add "stream/supply" delta] micro-ops,
// every audit as "ro-txn" with [r "stream/..." amount] reads. Checked
// with checkers.CheckTokenSupply (every audit's supply equals the sum of
// its balances) and by replaying the committed changes in commit
// timestamp order (every audit reads exactly the ledger at its snapshot).
func tokensWorkload() workload {
	streams := []string{"tokens-1", "tokens-2"}
	var accounts []account
	for _, stream := range streams {
		for i := range tokenAccountsPer {
			accounts = append(accounts, account{stream: stream, name: "a" + strconv.Itoa(i), resource: true})
		}
	}
	ledger := &tokenLedger{streams: streams, accounts: accounts}
	return workload{
		name:    "tokens",
		streams: bankStreams(streams, nil),
		setup:   ledger.setup,
		operation: func(c *client) {
			switch choice := c.rand(20); {
			case choice < 5:
				ledger.mint(c, pick(c, accounts), int64(1+c.rand(20)))
			case choice < 8:
				ledger.burn(c, pick(c, accounts), int64(1+c.rand(20)))
			case choice < 11:
				ledger.transfer(c, pick(c, accounts), int64(1+c.rand(20)))
			case choice < 15:
				ledger.bridge(c, pick(c, accounts), int64(1+c.rand(20)))
			default:
				ledger.audit(c, pick(c, streams))
			}
		},
		checks: []check{
			{name: "token-supply", run: checkTokenAudits},
			{name: "commit-order", run: func(history checkers.History) (checkers.Result, error) {
				return checkers.CheckCommitOrder(history, checkers.CommitOrderConfig{Absent: value.Int(0)})
			}},
		},
	}
}

// tokenLedger is what the tokens workload's operations share.
type tokenLedger struct {
	streams  []string
	accounts []account
}

// setup creates the token on every stream (zero supply) in one
// transaction.
func (l *tokenLedger) setup(ctx context.Context, transactions Transactions) error {
	_, err := setupTransaction(ctx, transactions, func(tx *coordinator.Txn) error {
		for _, stream := range l.streams {
			if err := resource.New(tx, stream).Create(ctx, coinToken, "C", 0); err != nil {
				return err
			}
		}
		return nil
	})
	return err
}

// tokenChange is one micro-op of a ledger change: delta to a stream's
// account (or its supply, when account is tokenSupplyName).
type tokenChange struct {
	stream, account string
	delta           int64
}

func (t tokenChange) encode() value.Value {
	return value.List(value.String(checkers.MicroAdd), value.String(t.stream+"/"+t.account), value.Int(t.delta))
}

// record runs body in a transaction recorded with the changes it makes.
func (l *tokenLedger) record(c *client, changes []tokenChange, body func(ctx context.Context, tx *coordinator.Txn) error) {
	micro := make([]value.Value, len(changes))
	for i, change := range changes {
		micro[i] = change.encode()
	}
	input := value.List(micro...)
	c.transact(checkers.FunctionTxn, "", input, func(ctx context.Context, tx *coordinator.Txn) (value.Value, error) {
		return input, body(ctx, tx)
	})
}

func (l *tokenLedger) mint(c *client, to account, amount int64) {
	l.record(c, []tokenChange{{to.stream, to.name, amount}, {to.stream, tokenSupplyName, amount}},
		func(ctx context.Context, tx *coordinator.Txn) error {
			return resource.New(tx, to.stream).Mint(ctx, coinToken, to.name, strconv.FormatInt(amount, 10))
		})
}

func (l *tokenLedger) burn(c *client, from account, amount int64) {
	l.record(c, []tokenChange{{from.stream, from.name, -amount}, {from.stream, tokenSupplyName, -amount}},
		func(ctx context.Context, tx *coordinator.Txn) error {
			return resource.New(tx, from.stream).Burn(ctx, coinToken, from.name, strconv.FormatInt(amount, 10))
		})
}

// transfer moves amount to another account of the same stream.
func (l *tokenLedger) transfer(c *client, from account, amount int64) {
	to := l.otherAccount(c, from, true)
	l.record(c, []tokenChange{{from.stream, from.name, -amount}, {to.stream, to.name, amount}},
		func(ctx context.Context, tx *coordinator.Txn) error {
			return resource.New(tx, from.stream).Transfer(ctx, coinToken, from.name, to.name, strconv.FormatInt(amount, 10))
		})
}

// bridge burns amount on one stream and mints it on the other, in one
// two-phase transaction.
func (l *tokenLedger) bridge(c *client, from account, amount int64) {
	to := l.otherAccount(c, from, false)
	text := strconv.FormatInt(amount, 10)
	l.record(c, []tokenChange{{from.stream, from.name, -amount}, {from.stream, tokenSupplyName, -amount},
		{to.stream, to.name, amount}, {to.stream, tokenSupplyName, amount}},
		func(ctx context.Context, tx *coordinator.Txn) error {
			if err := resource.New(tx, from.stream).Burn(ctx, coinToken, from.name, text); err != nil {
				return err
			}
			return resource.New(tx, to.stream).Mint(ctx, coinToken, to.name, text)
		})
}

// otherAccount picks an account other than from, on from's stream or on
// another.
func (l *tokenLedger) otherAccount(c *client, from account, sameStream bool) account {
	for {
		if to := pick(c, l.accounts); to != from && (to.stream == from.stream) == sameStream {
			return to
		}
	}
}

// audit reads a stream's supply, then every balance, at one snapshot,
// recorded as "ro-txn" with [r "stream/name" amount] reads.
func (l *tokenLedger) audit(c *client, stream string) {
	names := []string{tokenSupplyName}
	for _, a := range l.accounts {
		if a.stream == stream {
			names = append(names, a.name)
		}
	}
	read := func(amounts []value.Value) value.Value {
		micro := make([]value.Value, len(names))
		for i, name := range names {
			micro[i] = value.List(value.String(checkers.MicroRead), value.String(stream+"/"+name), amounts[i])
		}
		return value.List(micro...)
	}
	c.readOnly(checkers.FunctionReadOnlyTxn, "", read(make([]value.Value, len(names))),
		func(ctx context.Context, snapshot *coordinator.ReadTxn) (value.Value, error) {
			amounts := make([]value.Value, len(names))
			client := resource.New(snapshot, stream)
			for i, name := range names {
				text, err := readTokenAmount(ctx, client, name)
				if err != nil {
					return value.Null(), err
				}
				amount, err := strconv.ParseInt(text, 10, 64)
				if err != nil {
					return value.Null(), errors.Join(errBadBalance, err)
				}
				amounts[i] = value.Int(amount)
			}
			return read(amounts), nil
		})
}

// readTokenAmount reads the supply, or an account's balance.
func readTokenAmount(ctx context.Context, client *resource.Client, name string) (string, error) {
	if name == tokenSupplyName {
		return client.Supply(ctx, coinToken)
	}
	return client.Balance(ctx, coinToken, name)
}

// checkTokenAudits runs checkers.CheckTokenSupply over the audits: each
// ok audit ("ro-txn") becomes, in a view of the history with the same
// indexes, an "audit" whose value maps every name it read to the amount
// (the supply under "supply").
func checkTokenAudits(history checkers.History) (checkers.Result, error) {
	view := checkers.History{Events: make([]checkers.Event, len(history.Events))}
	for i, event := range history.Events {
		if event.Function == checkers.FunctionReadOnlyTxn {
			event.Function = tokenAudit
			if event.Type == checkers.TypeOK {
				event.Value = auditMap(event.Value)
			}
		}
		view.Events[i] = event
	}
	return checkers.CheckTokenSupply(view, tokenAudit, tokenSupplyName)
}

// auditMap turns an audit's reads into a map of name (without its
// stream) to amount.
func auditMap(reads value.Value) value.Value {
	amounts := map[string]value.Value{}
	for i := range reads.Len() {
		label, _ := reads.Index(i).Index(1).AsString()
		_, name, _ := strings.Cut(label, "/")
		amounts[name] = reads.Index(i).Index(2)
	}
	return value.Map(amounts)
}

package workloads

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/cluster"
	"github.com/proven2pc/proven/engines"
	"github.com/proven2pc/proven/engines/kv"
	"github.com/proven2pc/proven/engines/resource"
	"github.com/proven2pc/proven/engines/value"
)

// account is one bank account: a token balance on a Resource stream, or an
// Int under a key on a KV stream.
type account struct {
	stream   string
	name     string
	resource bool
}

func (a account) label() string { return a.stream + "/" + a.name }

const (
	coinToken          = "coin"
	bankInitialBalance = 100
	bankAccountsPer    = 3
)

// errInsufficient refuses a KV debit the balance does not cover.
var errInsufficient = fmt.Errorf("workloads: %w", engines.ErrInsufficient)

func bankAccounts(resourceStreams, kvStreams []string) []account {
	var accounts []account
	for _, stream := range resourceStreams {
		for i := range bankAccountsPer {
			accounts = append(accounts, account{stream: stream, name: fmt.Sprintf("a%d", i), resource: true})
		}
	}
	for _, stream := range kvStreams {
		for i := range bankAccountsPer {
			accounts = append(accounts, account{stream: stream, name: fmt.Sprintf("a%d", i)})
		}
	}
	return accounts
}

func bankStreams(resourceStreams, kvStreams []string) []cluster.StreamSpec {
	var specs []cluster.StreamSpec
	for _, stream := range resourceStreams {
		specs = append(specs, cluster.Resource(stream))
	}
	for _, stream := range kvStreams {
		specs = append(specs, cluster.KV(stream))
	}
	return specs
}

// bankWorkload: transfers between accounts on two Resource streams and a
// KV stream (within a stream, and across streams as a debit on one and a
// credit on another in one transaction), and read-only reads of every
// balance, one in four at an older snapshot (up to a second back, never
// before the setup's commit). The total is conserved at every snapshot.
func bankWorkload() workload {
	resourceStreams, kvStreams := []string{"bank-r1", "bank-r2"}, []string{"bank-k1"}
	accounts := bankAccounts(resourceStreams, kvStreams)
	total := int64(len(accounts) * bankInitialBalance)
	var setupCommit clock.Timestamp
	return workload{
		name:    "bank",
		streams: bankStreams(resourceStreams, kvStreams),
		setup: func(ctx context.Context, coord Transactions) error {
			return setupAccounts(ctx, coord, resourceStreams, accounts, &setupCommit)
		},
		operation: func(c *client) {
			if c.rand(4) == 0 {
				readBalancesOperation(c, accounts, &setupCommit)
				return
			}
			transferOperation(c, accounts)
		},
		final:  func(c *client) { readBalancesOperation(c, accounts, nil) },
		checks: []check{conservationCheck(total)},
	}
}

// setupAccounts creates the token on every Resource stream and gives every
// account its opening balance, in one transaction, and keeps its commit
// timestamp in committed.
func setupAccounts(ctx context.Context, coord Transactions, resourceStreams []string, accounts []account,
	committed *clock.Timestamp) error {
	commitTimestamp, err := setupTransaction(ctx, coord, func(tx Txn) error {
		for _, stream := range resourceStreams {
			if err := resource.New(tx, stream).Create(ctx, coinToken, "C", 0); err != nil {
				return err
			}
		}
		for _, a := range accounts {
			if err := credit(ctx, tx, a, bankInitialBalance); err != nil {
				return err
			}
		}
		return nil
	})
	*committed = commitTimestamp
	return err
}

func credit(ctx context.Context, tx Txn, a account, amount int64) error {
	if a.resource {
		return resource.New(tx, a.stream).Mint(ctx, coinToken, a.name, strconv.FormatInt(amount, 10))
	}
	return addToBalance(ctx, tx, a, amount)
}

func debit(ctx context.Context, tx Txn, a account, amount int64) error {
	if a.resource {
		return resource.New(tx, a.stream).Burn(ctx, coinToken, a.name, strconv.FormatInt(amount, 10))
	}
	return addToBalance(ctx, tx, a, -amount)
}

// addToBalance adds delta to a KV account's balance, refusing to take it
// below zero.
func addToBalance(ctx context.Context, tx Txn, a account, delta int64) error {
	store := kv.New(tx, a.stream)
	balance, _, err := store.GetInt(ctx, a.name)
	if err != nil {
		return err
	}
	if balance+delta < 0 {
		return errInsufficient
	}
	return store.PutInt(ctx, a.name, balance+delta)
}

// drawTransfer draws a transfer's two accounts and amount, and its
// recorded input; ok is false when it drew one account twice.
func drawTransfer(c *client, accounts []account) (from, to account, amount int64, input value.Value, ok bool) {
	from, to = pick(c, accounts), pick(c, accounts)
	if from == to {
		return from, to, 0, value.Value{}, false
	}
	amount = int64(1 + c.rand(30))
	input = value.Map(map[string]value.Value{"from": value.String(from.label()),
		"to": value.String(to.label()), "amount": value.Int(amount)})
	return from, to, amount, input, true
}

// transferOperation moves a random amount between two accounts: a
// Resource Transfer within one Resource stream, else a debit and a credit.
func transferOperation(c *client, accounts []account) {
	from, to, amount, input, ok := drawTransfer(c, accounts)
	if !ok {
		return
	}
	c.transact("transfer", "", input, func(ctx context.Context, tx Txn) (value.Value, error) {
		if from.resource && to.resource && from.stream == to.stream {
			return input, resource.New(tx, from.stream).Transfer(ctx, coinToken, from.name, to.name, strconv.FormatInt(amount, 10))
		}
		if err := debit(ctx, tx, from, amount); err != nil {
			return input, err
		}
		return input, credit(ctx, tx, to, amount)
	})
}

// readBalancesOperation reads every balance in one read-only transaction,
// recorded as a "read" whose value maps account labels to balances; each
// of also reads more in the same snapshot. With setupCommit, the snapshot
// may be an older one, never before the setup committed (beginRead);
// without, it is fresh.
func readBalancesOperation(c *client, accounts []account, setupCommit *clock.Timestamp,
	also ...func(context.Context, engines.Executor) error) {
	c.read(checkers.FunctionRead, "", func(ctx context.Context) (value.Value, error) {
		var read ReadTxn
		if setupCommit != nil {
			read = c.beginRead(ctx, checkers.FunctionRead, *setupCommit)
		} else {
			read = c.coord.BeginReadOnlyCategory(ctx, checkers.FunctionRead)
		}
		balances, err := readBalances(ctx, read, accounts)
		for _, more := range also {
			if err == nil {
				err = more(ctx, read)
			}
		}
		return balances, err
	})
}

func readBalances(ctx context.Context, executor engines.Executor, accounts []account) (value.Value, error) {
	balances := map[string]value.Value{}
	for _, a := range accounts {
		balance, err := readBalance(ctx, executor, a)
		if err != nil {
			return value.Null(), err
		}
		balances[a.label()] = value.Int(balance)
	}
	return value.Map(balances), nil
}

func readBalance(ctx context.Context, executor engines.Executor, a account) (int64, error) {
	if !a.resource {
		balance, _, err := kv.New(executor, a.stream).GetInt(ctx, a.name)
		return balance, err
	}
	text, err := resource.New(executor, a.stream).Balance(ctx, coinToken, a.name)
	if err != nil {
		return 0, err
	}
	balance, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return 0, errors.Join(errBadBalance, err)
	}
	return balance, nil
}

var errBadBalance = errors.New("workloads: balance is not an integer")

// conservationCheck checks every ok read of all balances: they sum to
// total (checkers.CheckBankTotals) and none is negative.
func conservationCheck(total int64) check {
	return check{name: "conservation", run: func(history checkers.History) (checkers.Result, error) {
		result, err := checkers.CheckBankTotals(history, checkers.FunctionRead, total)
		if err != nil || result.Verdict != checkers.VerdictOK {
			return result, err
		}
		var found findingList
		for _, operation := range history.Operations() {
			if operation.Function != checkers.FunctionRead || operation.Type != checkers.TypeOK || operation.Key != "" {
				continue
			}
			for _, entry := range operation.Output.MapEntries() {
				if balance, _ := entry.Value.AsInt(); balance < 0 {
					found.add(fmt.Sprintf("%s: %s has balance %d", operation.Describe(), entry.Key, balance), operation.InvokeIndex)
				}
			}
		}
		return found.result("conservation"), nil
	}}
}

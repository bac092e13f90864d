package workloads

import (
	"context"
	"slices"

	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/cluster"
)

// builtinNames are Proven's own workloads, registered at init.
var builtinNames = []string{"bank", "register", "list-append", "queue", "mixed", "sql-bank", "sql-list-append",
	"stream", "queue-order", "tokens", "sql-predicates"}

// builtin is one of Proven's own workloads, by name. It has no
// parameters: the scenario's clients, operations and faults size it.
type builtin string

func (b builtin) Name() string { return string(b) }

// Build declares the workload's definition on a cluster with its streams.
func (b builtin) Build(builder *Builder) {
	definition := define(string(b))
	builder.Cluster(cluster.Config{Streams: definition.streams})
	builder.Setup(func(c Client) error { return definition.setup(context.Background(), c.Transactions()) })
	builder.Operation(func(c Client) { definition.operation(&client{Client: c, coord: c.Transactions()}) })
	if definition.final != nil {
		builder.Final(func(c Client) { definition.final(&client{Client: c, coord: c.Transactions()}) })
	}
	for _, check := range definition.checks {
		builder.Check(check.name, check.run)
	}
}

// define returns a fresh definition of a built-in workload (its state is
// one run's). Requires: name is one of builtinNames.
func define(name string) workload {
	switch name {
	case "bank":
		return bankWorkload()
	case "register":
		return registerWorkload()
	case "list-append":
		return listAppendWorkload()
	case "queue":
		return queueWorkload()
	case "mixed":
		return mixedWorkload()
	case "sql-bank":
		return sqlBankWorkload()
	case "sql-list-append":
		return sqlListAppendWorkload()
	case "stream":
		return streamTableWorkload()
	case "queue-order":
		return queueOrderWorkload()
	case "tokens":
		return tokensWorkload()
	case "sql-predicates":
		return sqlPredicatesWorkload()
	}
	panic("workloads: no built-in workload " + name)
}

// workload is what differs between the built-in workloads: the streams, a
// fault-free setup, one client operation, and the history checks.
type workload struct {
	name    string
	streams []cluster.StreamSpec
	// setup makes one attempt at the initial state; it runs before faults.
	setup func(ctx context.Context, transactions Transactions) error
	// operation runs and records one operation of a client.
	operation func(c *client)
	// final, if set, runs and records operations after the quiet period.
	final  func(c *client)
	checks []check
}

// check is a history checker plugged into a built-in workload: the seam
// where the checkers package's functions are called.
type check struct {
	name string
	run  func(history checkers.History) (checkers.Result, error)
}

// BuiltinNames returns the names of Proven's own workloads, sorted: the
// registry holds them from the start, and the proven command runs them.
func BuiltinNames() []string { return slices.Sorted(slices.Values(builtinNames)) }

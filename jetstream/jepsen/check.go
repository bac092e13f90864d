package jepsen

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/proven2pc/proven/checkers"
	"github.com/proven2pc/proven/cluster"
	"github.com/proven2pc/proven/engines/wire"
	"github.com/proven2pc/proven/jetstream/jslog"
	"github.com/proven2pc/proven/view"
	"github.com/proven2pc/proven/workloads"
)

// readLogs reads every stream of the deployment from its first message
// to its last, with the timestamps every node derives.
func readLogs(ctx context.Context, nc *nats.Conn, config Config) (map[string][]wire.LogEntry, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	log, err := jslog.Open(ctx, nc, jslog.Config{Namespace: config.Namespace, Streams: config.Streams})
	if err != nil {
		return nil, err
	}
	defer log.Close()
	if err := log.CatchUp(ctx); err != nil {
		return nil, err
	}
	logs := map[string][]wire.LogEntry{}
	for _, stream := range config.Streams {
		logs[stream] = log.Entries(stream)
	}
	return logs, nil
}

// classify judges the leader kills of faults against the logs.
func classify(logs map[string][]wire.LogEntry, streams []string, faults []Fault) LeaderKills {
	facts := newLogFacts()
	for _, stream := range streams {
		facts.add(stream, logs[stream])
	}
	return facts.classify(faults)
}

// check settles the histories' info completions from the logs and runs
// the checkers.
func check(ctx context.Context, nc *nats.Conn, config Config, report *Report) error {
	logs, err := readLogs(ctx, nc, config)
	if err != nil {
		return fmt.Errorf("jepsen: reading the streams: %w", err)
	}
	specs := make([]cluster.StreamSpec, len(config.Streams))
	for i, stream := range config.Streams {
		specs[i] = cluster.KV(stream)
	}
	settle := func(history *checkers.History) []checkers.Result {
		atomicity, requests, settled, committed := workloads.SettleFromLogs(logs, specs, history)
		report.Settled += settled
		report.SettledCommitted += committed
		return []checkers.Result{atomicity, requests}
	}
	report.LeaderKills = classify(logs, config.Streams, report.Faults)
	report.BankResults = settle(&report.Bank)
	report.ListAppendResults = settle(&report.ListAppend)
	report.RegisterResults = settle(&report.Register)
	bank, err := checkers.CheckBankTotals(report.Bank, checkers.FunctionRead, bankAccounts*bankInitialBalance)
	if err != nil {
		return fmt.Errorf("jepsen: bank history: %w", err)
	}
	listAppend, err := checkers.CheckListAppend(report.ListAppend, checkers.ListAppendConfig{})
	if err != nil {
		return fmt.Errorf("jepsen: list-append history: %w", err)
	}
	snapshots, err := checkers.CheckListAppendSnapshots(report.ListAppend)
	if err != nil {
		return fmt.Errorf("jepsen: list-append history: %w", err)
	}
	report.BankResults = append(report.BankResults, bank)
	report.ListAppendResults = append(report.ListAppendResults, listAppend.Serializable,
		listAppend.StrictSerializable, snapshots)
	linearizable, err := checkRegisters(report.Register)
	if err != nil {
		return fmt.Errorf("jepsen: register history: %w", err)
	}
	report.RegisterResults = append(report.RegisterResults, linearizable)
	return nil
}

// WriteViews writes the HTML view of each workload's history, with its
// checks and the fault timeline, as bank.html, list-append.html and
// register.html in dir.
func (r Report) WriteViews(dir string) error {
	pages := []struct {
		name    string
		history checkers.History
		checks  []checkers.Result
	}{{"bank", r.Bank, r.BankResults}, {"list-append", r.ListAppend, r.ListAppendResults},
		{"register", r.Register, r.RegisterResults}}
	for _, page := range pages {
		var buffer bytes.Buffer
		err := view.WriteHistory(&buffer, view.History{Title: "jetstream jepsen: " + page.name,
			Facts: []view.Fact{{Name: "committed", Value: strconv.FormatInt(r.Committed, 10)},
				{Name: "faults", Value: strconv.Itoa(len(r.Faults))}},
			History: page.history, Checks: page.checks, Faults: viewFaults(r.Faults)})
		if err != nil {
			return fmt.Errorf("jepsen: the %s view: %w", page.name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, page.name+".html"), buffer.Bytes(), 0o644); err != nil {
			return fmt.Errorf("jepsen: %w", err)
		}
	}
	return nil
}

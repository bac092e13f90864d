package net

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"
)

// drawNodes draws a set of 1 to 8 distinct node ids.
func drawNodes(t *rapid.T) []NodeID {
	ids := rapid.SliceOfNDistinct(rapid.Uint32Range(1, 30), 1, 8, rapid.ID[uint32]).Draw(t, "nodes")
	nodes := make([]NodeID, len(ids))
	for i, id := range ids {
		nodes[i] = NodeID(id)
	}
	return nodes
}

// drawSubset draws a subset (possibly empty) of nodes.
func drawSubset(t *rapid.T, nodes []NodeID, label string) []NodeID {
	var subset []NodeID
	for _, node := range nodes {
		if rapid.Bool().Draw(t, label) {
			subset = append(subset, node)
		}
	}
	return subset
}

// drawConfig draws a valid config; lossy says whether loss may be non-zero.
func drawConfig(t *rapid.T, lossy bool) Config {
	delayMin := time.Duration(rapid.Int64Range(0, int64(5*time.Millisecond)).Draw(t, "delayMin"))
	spread := time.Duration(rapid.Int64Range(0, int64(10*time.Millisecond)).Draw(t, "spread"))
	slowTailExtra := time.Duration(rapid.Int64Range(0, int64(100*time.Millisecond)).Draw(t, "slowTailExtra"))
	cfg := Config{
		DelayMin:             delayMin,
		DelayMean:            delayMin + spread,
		SlowTailProbability:  rapid.Float64Range(0, 1).Draw(t, "slowTail"),
		SlowTailMax:          delayMin + spread + slowTailExtra,
		DuplicateProbability: rapid.Float64Range(0, 1).Draw(t, "duplicate"),
		Reorder:              rapid.Bool().Draw(t, "reorder"),
	}
	if lossy {
		cfg.LossProbability = rapid.Float64Range(0, 1).Draw(t, "loss")
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("drawn config invalid: %v", err)
	}
	return cfg
}

func newSeeded(cfg Config, seed uint64) *Network {
	return New(cfg, rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)))
}

// TestPropertyBlockedLinksMatchModel runs random Block, Unblock, Partition,
// Isolate, PartitionRandomHalves and Heal sequences against a model set of
// blocked links: Blocked and Plan agree with the model on every pair.
func TestPropertyBlockedLinksMatchModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		nodes := drawNodes(t)
		network := newSeeded(Calm(), 1)
		model := map[link]bool{}
		block := func(from, to NodeID) {
			if from != to {
				model[link{from, to}] = true
			}
		}
		pick := rapid.SampledFrom(nodes)
		t.Repeat(map[string]func(*rapid.T){
			"block": func(t *rapid.T) {
				from, to := pick.Draw(t, "from"), pick.Draw(t, "to")
				network.Block(from, to)
				block(from, to)
			},
			"unblock": func(t *rapid.T) {
				from, to := pick.Draw(t, "from"), pick.Draw(t, "to")
				network.Unblock(from, to)
				delete(model, link{from, to})
			},
			"partition": func(t *rapid.T) {
				sideA, sideB := drawSubset(t, nodes, "a"), drawSubset(t, nodes, "b")
				network.Partition(sideA, sideB)
				for _, a := range sideA {
					for _, b := range sideB {
						block(a, b)
						block(b, a)
					}
				}
			},
			"isolate": func(t *rapid.T) {
				node := pick.Draw(t, "node")
				network.Isolate(node, nodes)
				for _, other := range nodes {
					block(node, other)
					block(other, node)
				}
			},
			"halves": func(t *rapid.T) {
				seed := rapid.Uint64().Draw(t, "seed")
				sideA, sideB := network.PartitionRandomHalves(nodes, rand.New(rand.NewPCG(seed, 0)))
				for _, a := range sideA {
					for _, b := range sideB {
						block(a, b)
						block(b, a)
					}
				}
			},
			"heal": func(t *rapid.T) {
				network.Heal()
				clear(model)
			},
			"": func(t *rapid.T) {
				checkLinksAgainstModel(t, network, nodes, model)
			},
		})
	})
}

func checkLinksAgainstModel(t *rapid.T, network *Network, nodes []NodeID, model map[link]bool) {
	var out [2]int64
	for _, from := range nodes {
		for _, to := range nodes {
			want := model[link{from, to}]
			if got := network.Blocked(from, to); got != want {
				t.Fatalf("Blocked(%d, %d) = %v, model says %v", from, to, got, want)
			}
			deliveries := network.Plan(from, to, 0, out[:0])
			if want && len(deliveries) != 0 {
				t.Fatalf("blocked link %d->%d delivered %v", from, to, deliveries)
			}
			if !want && len(deliveries) != 1 {
				t.Fatalf("open link %d->%d planned %v, want one delivery", from, to, deliveries)
			}
		}
	}
}

// TestPropertyHealedNetworkDelivers: whatever blocks and clogs were applied,
// after Heal every link delivers every message (with loss 0), no later than
// the config allows once the clogs' held messages are past.
func TestPropertyHealedNetworkDelivers(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		nodes := drawNodes(t)
		cfg := drawConfig(t, false)
		cfg.Reorder = true
		network := newSeeded(cfg, rapid.Uint64().Draw(t, "seed"))
		pick := rapid.SampledFrom(nodes)
		for range rapid.IntRange(0, 20).Draw(t, "faults") {
			switch rapid.IntRange(0, 3).Draw(t, "fault") {
			case 0:
				network.Block(pick.Draw(t, "from"), pick.Draw(t, "to"))
			case 1:
				network.Partition(drawSubset(t, nodes, "a"), drawSubset(t, nodes, "b"))
			case 2:
				network.Isolate(pick.Draw(t, "node"), nodes)
			case 3:
				network.Clog(pick.Draw(t, "from"), pick.Draw(t, "to"), int64(time.Hour))
			}
		}
		network.Heal()
		nowNanos := int64(time.Second)
		for _, from := range nodes {
			for _, to := range nodes {
				deliveries := network.Plan(from, to, nowNanos, nil)
				if len(deliveries) == 0 {
					t.Fatalf("healed link %d->%d did not deliver", from, to)
				}
				for _, deliveryNanos := range deliveries {
					if deliveryNanos > nowNanos+int64(cfg.DelayMax()) {
						t.Fatalf("healed link %d->%d delivers at %d, later than now+DelayMax", from, to, deliveryNanos)
					}
				}
			}
		}
	})
}

// withinStandardDeviations reports whether count successes out of trials
// are within k standard deviations of the expected probability.
func withinStandardDeviations(count, trials uint64, probability, k float64) bool {
	expected := float64(trials) * probability
	deviation := math.Sqrt(float64(trials) * probability * (1 - probability))
	return math.Abs(float64(count)-expected) <= k*deviation+1
}

// TestPropertyLossAndDuplicationRates: over 20k sends the observed loss,
// duplication and slow-tail rates are within five standard deviations of
// the configured probabilities, and the mean normal delay of DelayMean.
func TestPropertyLossAndDuplicationRates(t *testing.T) {
	const sends = 20_000
	rapid.Check(t, func(t *rapid.T) {
		cfg := drawConfig(t, true)
		cfg.Reorder = true
		network := newSeeded(cfg, rapid.Uint64().Draw(t, "seed"))
		var out [2]int64
		for i := range uint64(sends) {
			network.Plan(NodeID(i%3), NodeID(3+i%2), int64(i), out[:0])
		}
		stats := network.Stats()
		if !withinStandardDeviations(stats.Lost, sends, cfg.LossProbability, 5) {
			t.Fatalf("lost %d of %d, configured probability %v", stats.Lost, sends, cfg.LossProbability)
		}
		survived := sends - stats.Lost
		if !withinStandardDeviations(stats.Duplicated, survived, cfg.DuplicateProbability, 5) {
			t.Fatalf("duplicated %d of %d, configured probability %v", stats.Duplicated, survived, cfg.DuplicateProbability)
		}
	})
}

// TestPropertyNormalDelayMean: with no slow tail, the mean delay is within
// five standard errors of DelayMean.
func TestPropertyNormalDelayMean(t *testing.T) {
	const sends = 20_000
	rapid.Check(t, func(t *rapid.T) {
		cfg := drawConfig(t, false)
		cfg.SlowTailProbability = 0
		cfg.DuplicateProbability = 0
		cfg.Reorder = true
		network := newSeeded(cfg, rapid.Uint64().Draw(t, "seed"))
		var out [1]int64
		var totalNanos float64
		for range sends {
			totalNanos += float64(network.Plan(1, 2, 0, out[:0])[0])
		}
		meanNanos := totalNanos / sends
		standardError := float64(cfg.DelayMean-cfg.DelayMin) / math.Sqrt(sends)
		if math.Abs(meanNanos-float64(cfg.DelayMean)) > 5*standardError+1 {
			t.Fatalf("mean delay %v, configured DelayMean %v", time.Duration(meanNanos), cfg.DelayMean)
		}
	})
}

// linkHistory is what the bounds and FIFO properties remember per link.
type linkHistory struct {
	clogUntilNanos    int64
	everClogged       bool
	lastDeliveryNanos int64
	delivered         bool
}

// TestPropertyDeliveryBoundsAndOrder sends messages at non-decreasing times
// over random links with random clogs and heals, and checks every delivery:
// never before start+DelayMin (start is now, or the clog's end while
// clogged), never after max(start+DelayMax, the link's previous delivery),
// never after now+DelayMax on a link that was never clogged, and on FIFO
// links never before the link's previous delivery. It also checks the Stats
// invariant.
func TestPropertyDeliveryBoundsAndOrder(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		nodes := drawNodes(t)
		cfg := drawConfig(t, true)
		network := newSeeded(cfg, rapid.Uint64().Draw(t, "seed"))
		pick := rapid.SampledFrom(nodes)
		histories := map[link]*linkHistory{}
		var historiesInOrder []*linkHistory // ranged instead of the map
		history := func(key link) *linkHistory {
			if histories[key] == nil {
				histories[key] = &linkHistory{}
				historiesInOrder = append(historiesInOrder, histories[key])
			}
			return histories[key]
		}
		var nowNanos int64
		var out []int64
		for range rapid.IntRange(1, 200).Draw(t, "steps") {
			nowNanos += rapid.Int64Range(0, int64(20*time.Millisecond)).Draw(t, "advance")
			from, to := pick.Draw(t, "from"), pick.Draw(t, "to")
			key := link{from, to}
			switch rapid.IntRange(0, 9).Draw(t, "action") {
			case 0:
				untilNanos := nowNanos + rapid.Int64Range(-int64(time.Second), int64(time.Second)).Draw(t, "clog")
				network.Clog(from, to, untilNanos)
				if from != to {
					history(key).clogUntilNanos = untilNanos
					history(key).everClogged = true
				}
				continue
			case 1:
				network.Heal()
				for _, h := range historiesInOrder {
					h.clogUntilNanos = 0
				}
				continue
			}
			out = network.Plan(from, to, nowNanos, out[:0])
			checkDeliveries(t, cfg, history(key), key, nowNanos, out)
		}
		stats := network.Stats()
		if stats.Sent != stats.Blocked+stats.Lost+stats.Delivered-stats.Duplicated {
			t.Fatalf("stats invariant broken: %+v", stats)
		}
	})
}

func checkDeliveries(t *rapid.T, cfg Config, h *linkHistory, key link, nowNanos int64, deliveries []int64) {
	startNanos := nowNanos
	if key.from != key.to && h.clogUntilNanos > nowNanos {
		startNanos = h.clogUntilNanos
	}
	for _, deliveryNanos := range deliveries {
		if deliveryNanos < startNanos+int64(cfg.DelayMin) {
			t.Fatalf("%v at %d delivers at %d, before start %d + DelayMin %v", key, nowNanos, deliveryNanos, startNanos, cfg.DelayMin)
		}
		upperNanos := startNanos + int64(cfg.DelayMax())
		if !cfg.Reorder && h.delivered {
			upperNanos = max(upperNanos, h.lastDeliveryNanos)
		}
		if deliveryNanos > upperNanos {
			t.Fatalf("%v at %d delivers at %d, after %d", key, nowNanos, deliveryNanos, upperNanos)
		}
		if !h.everClogged && deliveryNanos > nowNanos+int64(cfg.DelayMax()) {
			t.Fatalf("never-clogged %v at %d delivers at %d, after now+DelayMax %v", key, nowNanos, deliveryNanos, cfg.DelayMax())
		}
		if !cfg.Reorder && h.delivered && deliveryNanos < h.lastDeliveryNanos {
			t.Fatalf("FIFO %v: delivery %d overtakes earlier delivery %d", key, deliveryNanos, h.lastDeliveryNanos)
		}
		h.lastDeliveryNanos = max(h.lastDeliveryNanos, deliveryNanos)
		h.delivered = true
	}
}

// TestPropertyDeterminism: the same seed and the same calls give the same
// plans; runs with two seeds are compared too, to show the seed matters.
func TestPropertyDeterminism(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		nodes := drawNodes(t)
		cfg := drawConfig(t, true)
		type call struct {
			from, to NodeID
			nowNanos int64
			clog     bool
		}
		calls := rapid.SliceOfN(rapid.Custom(func(t *rapid.T) call {
			return call{
				from:     rapid.SampledFrom(nodes).Draw(t, "from"),
				to:       rapid.SampledFrom(nodes).Draw(t, "to"),
				nowNanos: rapid.Int64Range(0, int64(time.Second)).Draw(t, "now"),
				clog:     rapid.IntRange(0, 9).Draw(t, "clog") == 0,
			}
		}), 1, 100).Draw(t, "calls")
		seed := rapid.Uint64().Draw(t, "seed")
		run := func() ([]int64, Stats) {
			network := newSeeded(cfg, seed)
			var plans []int64
			for _, c := range calls {
				if c.clog {
					network.Clog(c.from, c.to, c.nowNanos)
					continue
				}
				plans = network.Plan(c.from, c.to, c.nowNanos, plans)
				plans = append(plans, -1)
			}
			return plans, network.Stats()
		}
		firstPlans, firstStats := run()
		secondPlans, secondStats := run()
		if !slices.Equal(firstPlans, secondPlans) || firstStats != secondStats {
			t.Fatalf("same seed, different plans:\n%v %+v\n%v %+v", firstPlans, firstStats, secondPlans, secondStats)
		}
	})
}

// TestPropertyPartitionRandomHalves: the halves split the distinct nodes
// into two sides differing in size by at most one, block exactly the links
// across, and do not depend on the order of the input.
func TestPropertyPartitionRandomHalves(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		nodes := drawNodes(t)
		shuffled := rapid.Permutation(nodes).Draw(t, "shuffled")
		seed := rapid.Uint64().Draw(t, "seed")
		network := newSeeded(Calm(), 1)
		sideA, sideB := network.PartitionRandomHalves(nodes, rand.New(rand.NewPCG(seed, 0)))
		otherA, otherB := newSeeded(Calm(), 1).PartitionRandomHalves(shuffled, rand.New(rand.NewPCG(seed, 0)))
		if !slices.Equal(sideA, otherA) || !slices.Equal(sideB, otherB) {
			t.Fatalf("input order changed the halves: %v|%v vs %v|%v", sideA, sideB, otherA, otherB)
		}
		if len(sideA)+len(sideB) != len(nodes) || len(sideA)-len(sideB) > 1 || len(sideB) > len(sideA) {
			t.Fatalf("bad sizes: %v | %v from %v", sideA, sideB, nodes)
		}
		if len(nodes) >= 2 && len(sideB) == 0 {
			t.Fatalf("empty side from %d nodes", len(nodes))
		}
		if union := slices.Sorted(slices.Values(slices.Concat(sideA, sideB))); !slices.Equal(union, slices.Sorted(slices.Values(nodes))) {
			t.Fatalf("sides %v | %v are not a split of %v", sideA, sideB, nodes)
		}
		for _, from := range nodes {
			for _, to := range nodes {
				across := slices.Contains(sideA, from) != slices.Contains(sideA, to)
				if network.Blocked(from, to) != across {
					t.Fatalf("Blocked(%d, %d) = %v, across = %v", from, to, !across, across)
				}
			}
		}
	})
}

func TestLoopbackIsNeverBlockedOrLost(t *testing.T) {
	cfg := Config{DelayMin: time.Millisecond, DelayMean: 5 * time.Millisecond, LossProbability: 1, DuplicateProbability: 1}
	network := newSeeded(cfg, 7)
	network.Block(3, 3)
	network.Isolate(3, []NodeID{1, 2, 3})
	network.Clog(3, 3, int64(time.Hour))
	if network.Blocked(3, 3) {
		t.Fatal("loopback link reported blocked")
	}
	got := network.Plan(3, 3, 100, nil)
	if want := []int64{100 + int64(time.Millisecond)}; !slices.Equal(got, want) {
		t.Fatalf("loopback planned %v, want %v", got, want)
	}
	if got := network.Plan(3, 1, 100, nil); len(got) != 0 {
		t.Fatalf("isolated node's message planned %v", got)
	}
}

func TestPlanDoesNotAllocate(t *testing.T) {
	cfg := Config{
		DelayMin: time.Millisecond, DelayMean: 3 * time.Millisecond,
		SlowTailProbability: 0.1, SlowTailMax: 50 * time.Millisecond,
		LossProbability: 0.1, DuplicateProbability: 0.1,
	}
	network := newSeeded(cfg, 1)
	network.Clog(1, 2, 10)
	out := make([]int64, 0, 2)
	network.Plan(1, 2, 0, out)
	var nowNanos int64
	allocations := testing.AllocsPerRun(1000, func() {
		nowNanos++
		network.Plan(1, 2, nowNanos, out[:0])
	})
	if allocations != 0 {
		t.Fatalf("Plan allocates %v times per call", allocations)
	}
}

func TestValidateNamesTheBadField(t *testing.T) {
	valid := Config{DelayMin: time.Millisecond, DelayMean: 2 * time.Millisecond, SlowTailMax: 9 * time.Millisecond}
	cases := []struct {
		name  string
		edit  func(*Config)
		field string
	}{
		{"negative min", func(c *Config) { c.DelayMin = -1 }, "DelayMin -1ns"},
		{"mean below min", func(c *Config) { c.DelayMean = 0 }, "DelayMean 0s is below DelayMin 1ms"},
		{"slow tail NaN", func(c *Config) { c.SlowTailProbability = math.NaN() }, "SlowTailProbability NaN"},
		{"slow tail max short", func(c *Config) { c.SlowTailProbability = 0.5; c.SlowTailMax = time.Millisecond }, "SlowTailMax 1ms is below DelayMean 2ms"},
		{"slow tail max negative", func(c *Config) { c.SlowTailMax = -time.Second }, "SlowTailMax -1s"},
		{"loss above one", func(c *Config) { c.LossProbability = 1.5 }, "LossProbability 1.5"},
		{"duplicate negative", func(c *Config) { c.DuplicateProbability = -0.1 }, "DuplicateProbability -0.1"},
		{"mean overflows", func(c *Config) { c.DelayMean = math.MaxInt64 }, "DelayMean"},
	}
	if err := valid.Validate(); err != nil {
		t.Fatalf("valid config rejected: %v", err)
	}
	if err := Calm().Validate(); err != nil {
		t.Fatalf("Calm rejected: %v", err)
	}
	for _, c := range cases {
		cfg := valid
		c.edit(&cfg)
		err := cfg.Validate()
		if !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("%s: got %v, want ErrInvalidConfig", c.name, err)
			continue
		}
		if !strings.Contains(err.Error(), c.field) {
			t.Errorf("%s: %q does not name %q", c.name, err, c.field)
		}
	}
}

// TestPropertyValidateNeverPanics: Validate accepts or rejects any config
// without panicking, and New accepts exactly the configs Validate accepts.
func TestPropertyValidateNeverPanics(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		cfg := Config{
			DelayMin:             time.Duration(rapid.Int64().Draw(t, "delayMin")),
			DelayMean:            time.Duration(rapid.Int64().Draw(t, "delayMean")),
			SlowTailProbability:  rapid.Float64().Draw(t, "slowTail"),
			SlowTailMax:          time.Duration(rapid.Int64().Draw(t, "slowTailMax")),
			LossProbability:      rapid.Float64().Draw(t, "loss"),
			DuplicateProbability: rapid.Float64().Draw(t, "duplicate"),
		}
		err := cfg.Validate()
		panicked := func() (panicked bool) {
			defer func() { panicked = recover() != nil }()
			network := newSeeded(cfg, 1)
			network.Plan(1, 2, 0, nil)
			return false
		}()
		if panicked != (err != nil) {
			t.Fatalf("Validate said %v but New panicked=%v for %+v", err, panicked, cfg)
		}
		if err == nil && cfg.DelayMax() < cfg.DelayMin {
			t.Fatalf("DelayMax %v below DelayMin %v", cfg.DelayMax(), cfg.DelayMin)
		}
	})
}

func TestNewPanicsOnInvalidConfig(t *testing.T) {
	defer func() {
		if recovered := recover(); recovered == nil {
			t.Fatal("New accepted an invalid config")
		}
	}()
	New(Config{LossProbability: 2}, rand.New(rand.NewPCG(1, 2)))
}

func BenchmarkPlan(b *testing.B) {
	cfg := Config{
		DelayMin: time.Millisecond, DelayMean: 3 * time.Millisecond,
		SlowTailProbability: 0.01, SlowTailMax: 50 * time.Millisecond,
		LossProbability: 0.01, DuplicateProbability: 0.01,
	}
	network := newSeeded(cfg, 1)
	network.Block(4, 5)
	out := make([]int64, 0, 2)
	b.ReportAllocs()
	var nowNanos int64
	for b.Loop() {
		nowNanos += 1000
		out = network.Plan(NodeID(nowNanos%5), NodeID(nowNanos%7), nowNanos, out[:0])
	}
}

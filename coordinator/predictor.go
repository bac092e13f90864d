package coordinator

import (
	"sync"

	"github.com/proven2pc/proven/engines/value"
)

// PredictedOperation is an operation a transaction is expected to execute:
// speculation sends it at begin, and the client's operation takes its
// result when its bytes are equal.
type PredictedOperation struct {
	Stream    string
	Operation []byte
}

// Confidence is when a learned operation is predicted: it was issued at
// its position by at least SeenMin transactions of the category, and by
// at least the fraction RateMin of the category's recent transactions.
type Confidence struct {
	SeenMin int
	RateMin float64
}

// PredictorConfig sets when a Predictor speculates. Zero fields take the
// defaults.
type PredictorConfig struct {
	// ReadWrite is the threshold for read-write transactions (default 8
	// and 0.95): a misprediction aborts one. ReadOnly is the threshold
	// for read-only ones (default 3 and 0.8): a misprediction wastes a
	// snapshot read.
	ReadWrite, ReadOnly Confidence
	// Window is how many recent transactions a category's counts mostly
	// reflect: they are halved each time 2*Window transactions of the
	// category began (default 64).
	Window int
	// PrepareAhead lets a read-write transaction whose whole sequence of
	// operations is predicted (the category's transactions confidently
	// end there: at least ReadWrite's SeenMin and RateMin of them called
	// Commit after exactly those operations) append its Prepares right
	// behind the predictions (TxnMachine.PredictWhole), so that Commit is
	// left with one round. See speculation.go for what it costs.
	PrepareAhead bool
}

// Limits of what a Predictor learns.
const (
	// predictedPositionsMax bounds a category's learned sequence.
	predictedPositionsMax = 32
	// candidatesMax bounds the templates counted at one position.
	candidatesMax = 8
	// categoriesMax bounds the categories learned; transactions of
	// further categories run without speculation.
	categoriesMax = 1024
)

// Predictor learns, per transaction category (a label the client gives
// at begin, with the transaction's arguments), the operations such
// transactions issue at each position, as templates (template.go), and
// predicts a new transaction's operations from the confident ones: the
// longest prefix of positions whose most frequent template is confident
// (Confidence) and instantiates with the new arguments. It also counts
// how speculation went (Stats).
//
// Coordinators may share one (Config.Predictor) so that they learn
// together; it is safe for concurrent use. Its decisions depend only on
// the order of the calls, so a simulated run stays deterministic.
type Predictor struct {
	config PredictorConfig
	mutex  sync.Mutex
	// categories never reach output in map order: they are only looked up.
	categories map[categoryKey]*category
	stats      PredictorStats
}

type categoryKey struct {
	name     string
	readOnly bool
}

// category is what was learned of one category.
type category struct {
	// began counts the transactions begun, halved with the counts.
	began     int
	positions [][]candidate
	// endings counts, per number of operations, the transactions that
	// called Commit after issuing that many (up to predictedPositionsMax).
	endings [predictedPositionsMax + 1]int
}

// candidate is one template seen at a position, and how often.
type candidate struct {
	key      string
	template operationTemplate
	seen     int
}

// PredictorStats counts speculation, by kind of transaction.
type PredictorStats struct {
	ReadWrite, ReadOnly SpeculationStats
}

// SpeculationStats counts the transactions begun with a category.
type SpeculationStats struct {
	// Began: begun with a category; Speculated: of those, begun with a
	// prediction; Mispredicted: of those, a client operation differed
	// from the prediction or (read-write) a predicted operation that ran
	// was not used.
	Began, Speculated, Mispredicted int
	// PredictedOperations were sent at begin; UsedOperations of them gave
	// their result to a client operation.
	PredictedOperations, UsedOperations int
	// PreparedAhead: of the speculated, those predicted whole, with
	// PrepareAhead on (read-write only).
	PreparedAhead int
}

// NewPredictor returns a predictor that has learned nothing.
func NewPredictor(config PredictorConfig) *Predictor {
	if config.ReadWrite == (Confidence{}) {
		config.ReadWrite = Confidence{SeenMin: 8, RateMin: 0.95}
	}
	if config.ReadOnly == (Confidence{}) {
		config.ReadOnly = Confidence{SeenMin: 3, RateMin: 0.8}
	}
	if config.Window <= 0 {
		config.Window = 64
	}
	return &Predictor{config: config, categories: map[categoryKey]*category{}}
}

// Stats returns the counts so far.
func (p *Predictor) Stats() PredictorStats {
	p.mutex.Lock()
	defer p.mutex.Unlock()
	return p.stats
}

func (p *Predictor) statsOf(readOnly bool) *SpeculationStats {
	if readOnly {
		return &p.stats.ReadOnly
	}
	return &p.stats.ReadWrite
}

// observation is one transaction's part in learning: its category and
// arguments, and how many operations it issued.
type observation struct {
	predictor *Predictor
	key       categoryKey
	arguments []value.Value
	issued    int
	// reported is what was already added to the stats.
	reportedUsed int
	reportedMiss bool
}

// begin records that a transaction of a category began, and returns its
// observation and the operations predicted for it, and whether they are
// the whole transaction and it may prepare ahead.
func (p *Predictor) begin(name string, readOnly bool, arguments []value.Value) (*observation, []PredictedOperation, bool) {
	p.mutex.Lock()
	defer p.mutex.Unlock()
	key := categoryKey{name: name, readOnly: readOnly}
	observed := &observation{predictor: p, key: key, arguments: append([]value.Value(nil), arguments...)}
	p.statsOf(readOnly).Began++
	c := p.categories[key]
	if c == nil {
		if len(p.categories) >= categoriesMax {
			return observed, nil, false
		}
		c = &category{}
		p.categories[key] = c
	}
	predicted := p.predict(c, readOnly, arguments)
	whole := !readOnly && p.config.PrepareAhead && len(predicted) > 0 && p.endsAt(c, len(predicted))
	c.began++
	if c.began >= 2*p.config.Window {
		c.decay()
	}
	if len(predicted) > 0 {
		stats := p.statsOf(readOnly)
		stats.Speculated++
		stats.PredictedOperations += len(predicted)
		if whole {
			stats.PreparedAhead++
		}
	}
	return observed, predicted, whole
}

// endsAt reports whether the category's transactions confidently end
// after length operations: it is their most frequent length at Commit,
// seen at read-write confidence.
func (p *Predictor) endsAt(c *category, length int) bool {
	most := 0
	for n := range c.endings {
		if c.endings[n] > c.endings[most] {
			most = n
		}
	}
	seen, threshold := c.endings[length], p.config.ReadWrite
	return most == length && seen >= threshold.SeenMin && float64(seen) >= threshold.RateMin*float64(c.began)
}

// predict returns the operations of the confident prefix of positions.
func (p *Predictor) predict(c *category, readOnly bool, arguments []value.Value) []PredictedOperation {
	threshold := p.config.ReadWrite
	if readOnly {
		threshold = p.config.ReadOnly
	}
	var predicted []PredictedOperation
	for _, candidates := range c.positions {
		best := mostSeen(candidates)
		if best == nil || best.seen < threshold.SeenMin || float64(best.seen) < threshold.RateMin*float64(c.began) {
			break
		}
		stream, operation, ok := best.template.instantiate(arguments)
		if !ok {
			break
		}
		predicted = append(predicted, PredictedOperation{Stream: stream, Operation: operation})
	}
	return predicted
}

// mostSeen returns the candidate seen most often (the first of equals).
func mostSeen(candidates []candidate) *candidate {
	var best *candidate
	for i := range candidates {
		if best == nil || candidates[i].seen > best.seen {
			best = &candidates[i]
		}
	}
	return best
}

// decay halves every count, so that recent transactions weigh more.
func (c *category) decay() {
	c.began /= 2
	for n := range c.endings {
		c.endings[n] /= 2
	}
	for _, candidates := range c.positions {
		for i := range candidates {
			candidates[i].seen /= 2
		}
	}
}

// issue records that the transaction issued operation on stream as its
// next operation.
func (o *observation) issue(stream string, operation []byte) {
	position := o.issued
	o.issued++
	if position >= predictedPositionsMax {
		return
	}
	template := newTemplate(stream, operation, o.arguments)
	key := template.key()
	p := o.predictor
	p.mutex.Lock()
	defer p.mutex.Unlock()
	c := p.categories[o.key]
	if c == nil {
		return
	}
	for len(c.positions) <= position {
		c.positions = append(c.positions, nil)
	}
	candidates := c.positions[position]
	for i := range candidates {
		if candidates[i].key == key {
			candidates[i].seen++
			return
		}
	}
	if len(candidates) < candidatesMax {
		c.positions[position] = append(candidates, candidate{key: key, template: template, seen: 1})
		return
	}
	least := 0
	for i := range candidates {
		if candidates[i].seen < candidates[least].seen {
			least = i
		}
	}
	candidates[least] = candidate{key: key, template: template, seen: 1}
}

// commit records that the transaction called Commit after the
// operations it issued.
func (o *observation) commit() {
	if o.issued > predictedPositionsMax {
		return
	}
	p := o.predictor
	p.mutex.Lock()
	defer p.mutex.Unlock()
	if c := p.categories[o.key]; c != nil {
		c.endings[o.issued]++
	}
}

// report adds what a transaction's machine says of its speculation to the
// stats, once: used is how many predicted operations gave their result
// so far, mispredicted whether one differed or ran unused.
func (o *observation) report(used int, mispredicted bool) {
	if used == o.reportedUsed && mispredicted == o.reportedMiss {
		return
	}
	p := o.predictor
	p.mutex.Lock()
	defer p.mutex.Unlock()
	stats := p.statsOf(o.key.readOnly)
	stats.UsedOperations += used - o.reportedUsed
	if mispredicted && !o.reportedMiss {
		stats.Mispredicted++
	}
	o.reportedUsed, o.reportedMiss = used, mispredicted
}

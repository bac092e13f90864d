package processor

import (
	"time"

	"github.com/proven2pc/proven/clock"
	"github.com/proven2pc/proven/engines"
)

const (
	versionRetentionDefault = 10 * time.Second
	collectEveryDefault     = 1024
)

// collect raises the engine's garbage-collection watermark to the log's
// time minus VersionRetention, held below every timestamp the engine may
// still be asked to commit at or read at:
//
//   - a prepared transaction commits at or above its prepare timestamp,
//     and a decided commit waiting in pendingCommits at its commit
//     timestamp: the watermark stays strictly below both (mvcc refuses a
//     commit at or below it);
//   - a deferred operation runs at its entry's timestamp: the watermark
//     stays at or below it;
//   - every later entry, prepare and one-phase commit is above the log's
//     time, so above the watermark.
//
// Snapshot reads are not counted: a read at T is served once the log
// reached T and its prepared blockers are decided, so it is refused only
// when it waited longer than VersionRetention. The watermark is a
// function of the log prefix (it is raised at positions divisible by
// CollectEvery, from state that checkpoints hold), so a replay collects
// exactly as the first run did.
func (p *Processor) collect() {
	collector, ok := p.engine.(engines.Collector)
	if !ok || p.config.VersionRetention < 0 {
		return
	}
	watermark := clock.Timestamp{WallNanos: p.appliedTimestamp.WallNanos - int64(p.config.VersionRetention)}
	if lowest, any := p.lowestUndecidedPrepare(); any {
		watermark = below(watermark, lowest)
	}
	if len(p.pendingCommits) > 0 {
		watermark = below(watermark, p.pendingCommits[0].commitTimestamp)
	}
	for _, op := range p.deferred {
		if op.stamp.Less(watermark) {
			watermark = op.stamp
		}
	}
	if watermark.WallNanos <= 0 || !p.watermark.Less(watermark) {
		return
	}
	collector.Collect(watermark)
	p.watermark = watermark
}

// below returns watermark, lowered strictly below limit when it is not.
func below(watermark, limit clock.Timestamp) clock.Timestamp {
	if watermark.Less(limit) {
		return watermark
	}
	return clock.Timestamp{WallNanos: limit.WallNanos - 1}
}

// restoreWatermark takes a recovered engine's watermark.
func (p *Processor) restoreWatermark() {
	if collector, ok := p.engine.(engines.Collector); ok {
		p.watermark = collector.Watermark()
	}
}

// Watermark returns the garbage-collection watermark: snapshot reads
// below it are refused.
func (p *Processor) Watermark() clock.Timestamp { return p.watermark }

// readAt runs a snapshot read, refusing a snapshot below the watermark:
// the versions it needs may have been collected.
func (p *Processor) readAt(operation []byte, snapshot clock.Timestamp) engines.Outcome {
	if snapshot.Less(p.watermark) {
		return engines.Failed(engines.Refuse(engines.CodeTooOld,
			"processor: stream %s: snapshot %v is below the garbage-collection watermark %v (versions are kept %v behind the log)",
			p.config.Stream, snapshot, p.watermark, p.config.VersionRetention))
	}
	return p.engine.Read(operation, snapshot)
}

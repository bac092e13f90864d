package loghost

import (
	"errors"
	"time"
)

// run is the host's goroutine: it waits for messages or the ticker, steps
// the service for every message waiting (the batch), ticks it on the
// ticker, flushes once (one fsync for the whole batch), then delivers the
// batch's messages. On stop it drains the inbox and closes the log; on a
// log failure it stops at once.
func (h *Host) run() {
	defer close(h.done)
	ticker := time.NewTicker(h.tickerPeriod())
	defer ticker.Stop()
	for {
		var err error
		select {
		case <-h.wake:
			err = h.batch(false)
		case <-ticker.C:
			err = h.batch(true)
		case <-h.stop:
			err = h.batch(false)
			h.finish(err)
			return
		}
		if err != nil {
			h.finish(err)
			return
		}
	}
}

// take empties the inbox.
func (h *Host) take() []item {
	h.mutex.Lock()
	defer h.mutex.Unlock()
	items := h.inbox
	h.inbox, h.spare = h.spare[:0], nil
	return items
}

// batch steps every waiting message (and a tick), flushes, and delivers.
func (h *Host) batch(tick bool) error {
	items := h.take()
	defer h.recycle(items)
	recordsBefore := h.log.Stats().Appends
	for _, it := range items {
		if it.control != nil {
			it.control()
			continue
		}
		if err := h.driver.Step(it.from, it.message); err != nil {
			return err
		}
		h.messages.Add(1)
	}
	if tick {
		if err := h.driver.Tick(); err != nil {
			return err
		}
	}
	messages, err := h.driver.Flush()
	if err != nil {
		return err
	}
	if appended := h.log.Stats().Appends - recordsBefore; appended > 0 {
		h.records.Add(appended)
		h.syncs.Add(1)
	}
	h.batches.Add(1)
	for _, out := range messages {
		h.config.Deliver(out.To, out.Message)
	}
	return nil
}

// recycle keeps the batch's array for the next take.
func (h *Host) recycle(items []item) {
	clear(items)
	h.mutex.Lock()
	defer h.mutex.Unlock()
	if h.spare == nil {
		h.spare = items[:0]
	}
}

// finish records why the goroutine ends and closes the log. A failure
// is logged once and refuses every later Send.
func (h *Host) finish(err error) {
	if closeErr := h.log.Close(); err == nil {
		err = closeErr // the final sync failed
	}
	if err != nil {
		h.config.Logger.Error("loghost: the log stopped; it refuses every later message", "stream", h.config.Stream,
			"dir", h.log.Dir(), "error", err)
	}
	h.failure = err
	h.mutex.Lock()
	defer h.mutex.Unlock()
	if err != nil && (h.err == nil || errors.Is(h.err, ErrClosed)) {
		h.err = err
	}
	h.inbox = nil
}

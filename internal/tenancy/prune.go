package tenancy

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"portal/internal/store"
)

// AttemptRetention is how long counts of failed or refused unauthenticated attempts (and ended lockouts) are kept.
const AttemptRetention = 30 * 24 * time.Hour

// PruneEvery is how often the periodic prune job runs.
const PruneEvery = time.Hour

// PruneArgs is the periodic job that deletes attempt counts and lockouts older than AttemptRetention. River runs
// periodic jobs on its elected leader only, so with several replicas it runs once per interval.
type PruneArgs struct{}

// Kind names the job.
func (PruneArgs) Kind() string { return "prune_attempts" }

type pruneWorker struct {
	river.WorkerDefaults[PruneArgs]
	s *Service
}

func (w *pruneWorker) Work(ctx context.Context, _ *river.Job[PruneArgs]) error {
	_, err := store.NewAttempts(w.s.pool).Prune(ctx, AttemptRetention, time.Now())
	return err
}

func prunePeriodic() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(PruneEvery),
		func() (river.JobArgs, *river.InsertOpts) { return PruneArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true})
}

package tenancy

import (
	"context"
	"log/slog"
	"portal/internal/fail"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
)

// ProvisionArgs is the durable job that finishes creating a customer.
type ProvisionArgs struct {
	CustomerID int64 `json:"customer_id"`
}

// Kind names the job.
func (ProvisionArgs) Kind() string { return "provision_customer" }

// SuspensionArgs is the durable job that brings ISPConfig in line with a customer's suspension flags.
type SuspensionArgs struct {
	CustomerID int64 `json:"customer_id"`
}

// Kind names the job.
func (SuspensionArgs) Kind() string { return "apply_suspension" }

// DeleteArgs is the durable job that finishes deleting a customer.
type DeleteArgs struct {
	CustomerID int64 `json:"customer_id"`
}

// Kind names the job.
func (DeleteArgs) Kind() string { return "delete_customer" }

// PlanSyncArgs is the durable job that mirrors a changed plan's limits to every customer on it in ISPConfig.
type PlanSyncArgs struct {
	PlanID int64 `json:"plan_id"`
}

// Kind names the job.
func (PlanSyncArgs) Kind() string { return "sync_plan_limits" }

type planSyncWorker struct {
	river.WorkerDefaults[PlanSyncArgs]
	s *Service
}

func (w *planSyncWorker) Work(ctx context.Context, j *river.Job[PlanSyncArgs]) error {
	return w.s.SyncPlanLimits(ctx, j.Args.PlanID)
}

// DriftArgs is the periodic job that runs the drift check on every platform.
type DriftArgs struct{}

// Kind names the job.
func (DriftArgs) Kind() string { return "drift_check" }

type driftWorker struct {
	river.WorkerDefaults[DriftArgs]
	s *Service
}

func (w *driftWorker) Work(ctx context.Context, _ *river.Job[DriftArgs]) error {
	// Rows a request left pending are settled first, so the comparison sees finished records; what can't be
	// settled now stays for the next run and does not hold up the check.
	if w.s.SettleStale != nil {
		if err := w.s.SettleStale(ctx); err != nil {
			w.s.log.WarnContext(ctx, "settling before the drift check", "err", err)
		}
	}
	for _, id := range w.s.PlatformIDs() {
		if _, err := w.s.CheckDrift(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// SettleStaleArgs is the periodic job that settles hosted objects whose own settle job was lost.
type SettleStaleArgs struct{}

// Kind names the job.
func (SettleStaleArgs) Kind() string { return "settle_stale" }

type settleStaleWorker struct {
	river.WorkerDefaults[SettleStaleArgs]
	s *Service
}

func (w *settleStaleWorker) Work(ctx context.Context, _ *river.Job[SettleStaleArgs]) error {
	if w.s.SettleStale == nil {
		return nil
	}
	return w.s.SettleStale(ctx)
}

// ReconcileArgs is the durable job that switches a customer's objects back after a client update (updateClient).
type ReconcileArgs struct {
	CustomerID int64 `json:"customer_id"`
}

// Kind names the job.
func (ReconcileArgs) Kind() string { return "reconcile_objects" }

type reconcileWorker struct {
	river.WorkerDefaults[ReconcileArgs]
	s *Service
}

func (w *reconcileWorker) Work(ctx context.Context, j *river.Job[ReconcileArgs]) error {
	return w.s.Reconcile(ctx, j.Args.CustomerID)
}

type provisionWorker struct {
	river.WorkerDefaults[ProvisionArgs]
	s *Service
}

func (w *provisionWorker) Work(ctx context.Context, j *river.Job[ProvisionArgs]) error {
	return jobResult(w.s.Provision(ctx, j.Args.CustomerID))
}

type suspensionWorker struct {
	river.WorkerDefaults[SuspensionArgs]
	s *Service
}

func (w *suspensionWorker) Work(ctx context.Context, j *river.Job[SuspensionArgs]) error {
	return jobResult(w.s.ApplySuspension(ctx, j.Args.CustomerID))
}

type deleteWorker struct {
	river.WorkerDefaults[DeleteArgs]
	s *Service
}

func (w *deleteWorker) Work(ctx context.Context, j *river.Job[DeleteArgs]) error {
	return jobResult(w.s.FinishDelete(ctx, j.Args.CustomerID))
}

// jobResult: a failure the user has already been shown (a refusal by ISPConfig, recorded on the customer) ends the
// job; anything else is retried with river's backoff.
func jobResult(err error) error {
	if _, ok := fail.As(err); ok {
		return nil
	}
	return err
}

// NewJobs returns the river client that runs the tenancy jobs, and sets it on s. Start it to work jobs; without
// Start it only inserts. registers the workers of other services (hosting's settle job).
func NewJobs(pool *pgxpool.Pool, s *Service, log *slog.Logger, addWorkers ...func(*river.Workers)) (*river.Client[pgx.Tx], error) {
	workers := river.NewWorkers()
	for _, add := range addWorkers {
		add(workers)
	}
	river.AddWorker(workers, &provisionWorker{s: s})
	river.AddWorker(workers, &suspensionWorker{s: s})
	river.AddWorker(workers, &deleteWorker{s: s})
	river.AddWorker(workers, &driftWorker{s: s})
	river.AddWorker(workers, &planSyncWorker{s: s})
	river.AddWorker(workers, &reconcileWorker{s: s})
	river.AddWorker(workers, &settleStaleWorker{s: s})
	river.AddWorker(workers, &queueWorker{s: s})
	river.AddWorker(workers, &pruneWorker{s: s})
	river.AddWorker(workers, &usageWorker{s: s})
	periodic := []*river.PeriodicJob{prunePeriodic(), river.NewPeriodicJob(river.PeriodicInterval(5*time.Minute),
		func() (river.JobArgs, *river.InsertOpts) { return SettleStaleArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true})}
	if s.DriftEvery > 0 {
		periodic = append(periodic, river.NewPeriodicJob(river.PeriodicInterval(s.DriftEvery),
			func() (river.JobArgs, *river.InsertOpts) { return DriftArgs{}, nil }, &river.PeriodicJobOpts{RunOnStart: true}))
	}
	if s.QueueEvery > 0 {
		// One attempt: a check that fails is simply the next period's to do.
		periodic = append(periodic, river.NewPeriodicJob(river.PeriodicInterval(s.QueueEvery),
			func() (river.JobArgs, *river.InsertOpts) { return QueueArgs{}, &river.InsertOpts{MaxAttempts: 1} },
			&river.PeriodicJobOpts{RunOnStart: true}))
	}
	if s.UsageEvery > 0 {
		// One attempt, like the queue check: a run that fails leaves the last readings, the next run tries again.
		periodic = append(periodic, river.NewPeriodicJob(river.PeriodicInterval(s.UsageEvery),
			func() (river.JobArgs, *river.InsertOpts) { return UsageArgs{}, &river.InsertOpts{MaxAttempts: 1} },
			&river.PeriodicJobOpts{RunOnStart: true}))
	}
	c, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		PeriodicJobs:         periodic,
		Queues:               map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 4}},
		Workers:              workers,
		Logger:               log,
		MaxAttempts:          50,
		JobTimeout:           5 * time.Minute,
		RescueStuckJobsAfter: 10 * time.Minute,
	})
	if err != nil {
		return nil, err
	}
	s.SetJobs(c)
	return c, nil
}

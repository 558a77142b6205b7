package billing

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"portal/internal/store"
)

// FoldSumsEvery is how often the invoice list's sums take in the changes writes to invoices have appended
// (store.Billing.FoldInvoiceSums); until then the list adds them up as it reads.
const FoldSumsEvery = time.Minute

// FoldSumsArgs is the periodic job that folds the invoice sums' changes in. River runs periodic jobs on its elected
// leader only, so with several replicas it runs once per interval.
type FoldSumsArgs struct{}

// Kind names the job.
func (FoldSumsArgs) Kind() string { return "fold_invoice_sums" }

type foldSumsWorker struct {
	river.WorkerDefaults[FoldSumsArgs]
	s *Service
}

func (w *foldSumsWorker) Work(ctx context.Context, _ *river.Job[FoldSumsArgs]) error {
	_, err := store.NewBilling(w.s.pool).FoldInvoiceSums(ctx)
	return err
}

func foldSumsPeriodic() *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(FoldSumsEvery),
		func() (river.JobArgs, *river.InsertOpts) {
			return FoldSumsArgs{}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: FoldSumsEvery}}
		}, &river.PeriodicJobOpts{RunOnStart: true})
}

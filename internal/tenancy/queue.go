package tenancy

import (
	"context"
	"errors"

	"github.com/riverqueue/river"

	"portal/internal/ispapi"
	"portal/internal/store"
)

// QueueArgs is the periodic job that reads the job queue of every server of every platform (one call per server),
// so that objects can show whether ISPConfig's servers have applied their last change (store/queues.go).
type QueueArgs struct{}

// Kind names the job.
func (QueueArgs) Kind() string { return "job_queue_check" }

type queueWorker struct {
	river.WorkerDefaults[QueueArgs]
	s *Service
}

func (w *queueWorker) Work(ctx context.Context, _ *river.Job[QueueArgs]) error {
	return w.s.CheckQueues(ctx)
}

// CheckQueues reads each platform's web and mail server queues once and records what they hold. A queue that
// can't be read is recorded as such (pages then say they can't see it); it is not an error of the job, which
// simply runs again at its next interval.
func (s *Service) CheckQueues(ctx context.Context) error {
	queues := store.NewQueues(s.pool)
	for _, pid := range s.PlatformIDs() {
		isp, err := s.ISP(pid)
		if err != nil {
			return err
		}
		p, err := store.NewPlatforms(s.pool).ByID(ctx, pid)
		if err != nil {
			return err
		}
		servers := []int64{p.WebServerID}
		if p.MailServerID != p.WebServerID {
			servers = append(servers, p.MailServerID)
		}
		for _, sid := range servers {
			at, err := queues.Now(ctx)
			if err != nil {
				return err
			}
			n, err := isp.JobQueueCount(ctx, sid)
			if err != nil {
				reason := "unavailable"
				if errors.Is(err, ispapi.ErrUnauthorized) {
					reason = "permission"
				}
				s.log.WarnContext(ctx, "job queue not readable", "platform_id", pid, "server_id", sid, "err", err)
				if err := queues.Unreadable(ctx, pid, sid, reason); err != nil {
					return err
				}
				continue
			}
			if err := queues.Observed(ctx, pid, sid, at, n); err != nil {
				return err
			}
		}
	}
	return nil
}

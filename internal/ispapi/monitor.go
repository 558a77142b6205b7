package ispapi

import (
	"context"
	"fmt"
)

// JobQueueCount returns how many configuration changes server serverID has not applied yet: ISPConfig writes every
// change to its datalog, and each server's daemon applies the datalog in order from a cron job about once a minute
// (monitor_jobqueue_count, group "Monitor functions"; the answer is a JSON string). It is a count, not a position:
// it says how long the queue is now, not which change is at its head.
func (c *Client) JobQueueCount(ctx context.Context, serverID int64) (int64, error) {
	const fn = "monitor_jobqueue_count"
	if err := checkID(fn, "server_id", serverID); err != nil {
		return 0, err
	}
	var n Int
	if err := c.read(ctx, fn, map[string]any{"server_id": serverID}, &n); err != nil {
		return 0, fmt.Errorf("ispapi: job queue of server %d: %w", serverID, err)
	}
	return int64(n), nil
}

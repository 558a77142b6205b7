package store_test

import (
	"errors"

	"portal/internal/store"
)

func isConflict(err error) bool { return errors.Is(err, store.ErrConflict) }

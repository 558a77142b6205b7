package ispapi

import "sort"

// sortByID orders rows by id: ISPConfig's filtered reads have no ORDER BY (API.md §3.1).
func sortByID[T any](rows []T, id func(T) Int) {
	sort.Slice(rows, func(i, j int) bool { return id(rows[i]) < id(rows[j]) })
}

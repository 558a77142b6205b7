// Package billing holds the portal's money rules and the multi-table transactions that go with them.
// Billing itself is future work; the package exists so the dependency direction is fixed from the start.
package billing

/** Placeholder: this module's capability arrives with its own issue (see docs/architecture.md). */
package dev.grm4j.principles;

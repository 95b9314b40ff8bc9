/** The report of {@code grm eval --report}: its data ({@code EvalReport}) and its Markdown and HTML renderings. */
package dev.grm4j.examples.report;

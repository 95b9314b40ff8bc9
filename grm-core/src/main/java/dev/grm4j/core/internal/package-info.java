/** Implementations behind the public interfaces of grm-core; not part of the API, may change at any time. */
@NullMarked
package dev.grm4j.core.internal;

import org.jspecify.annotations.NullMarked;

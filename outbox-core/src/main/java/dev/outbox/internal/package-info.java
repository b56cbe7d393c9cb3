/**
 * The implementation: the shared runtime, the SQL stores, validation. Not API: not exported by the module, may
 * change in any release.
 */
package dev.outbox.internal;

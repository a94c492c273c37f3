/**
 * The PostgreSQL connection pool lnkv's PostgreSQL store and lnkv serve share. Not API: exported
 * only to lnkv's own modules, and free to change in any release.
 */
package io.lnkv.postgres.internal;

package org.enclaveos.signer.signoffline;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.crypto.SigstructVerifier;
import org.enclaveos.signer.crypto.VerifyingKey;
import org.enclaveos.signer.format.SigstructJson;
import org.enclaveos.signer.io.AtomicFiles;
import org.enclaveos.signer.io.Progress;
import org.enclaveos.signer.request.RequestSet;
import org.enclaveos.signer.request.SigningResponse;
import org.enclaveos.signer.sgx.Hash256;
import org.enclaveos.signer.sgx.Sigstruct;

/**
 * One signing ceremony over a checked set of requests. {@link #plan} decides everything before a
 * single signature is made: policy, pinned signers, and what is already in the output directory;
 * {@link #run} then signs (or assembles imported signatures), writes each SIGSTRUCT and its response
 * atomically, and journals every step. A rerun skips what is already signed identically, so an
 * interrupted ceremony resumes; different content already there is refused.
 */
final class Ceremony {

    /** Makes the SIGSTRUCT for one request: signs with a key, or assembles an imported signature. */
    @FunctionalInterface
    interface Signer {
        Sigstruct sign(RequestSet.Loaded request);
    }

    enum Status { TO_SIGN, ALREADY_SIGNED }

    record Item(RequestSet.Loaded request, Status status, List<String> flags) {
        Path sigstructFile(Path out) {
            return out.resolve(request.id() + SigningResponse.SIGSTRUCT_SUFFIX);
        }

        Path responseFile(Path out) {
            return out.resolve(request.id() + SigningResponse.FILE_SUFFIX);
        }
    }

    record Plan(List<Item> items, VerifyingKey signer, CeremonyPolicy policy, Path out) {
        long toSign() {
            return items.stream().filter(i -> i.status() == Status.TO_SIGN).count();
        }
    }

    private Ceremony() {
    }

    static Plan plan(List<RequestSet.Loaded> requests, VerifyingKey signer, CeremonyPolicy policy, Path out) {
        List<Item> items = new ArrayList<>();
        for (RequestSet.Loaded l : requests) {
            List<String> flags = policy.judge(l, signer);
            Item item = new Item(l, Status.TO_SIGN, flags);
            items.add(new Item(l, existing(item, out, signer) == null ? Status.TO_SIGN : Status.ALREADY_SIGNED, flags));
        }
        return new Plan(List.copyOf(items), signer, policy, out);
    }

    /**
     * The SIGSTRUCT already in the output for this request, checked: it must sign exactly this
     * request, verify, and come from this key. Null if there is none; refused if there is anything
     * else (a symbolic link included: outputs are files of the ceremony's own). Called when the
     * plan is made and again when the output is re-read to be journaled, so what the journal
     * records is what was checked at that moment.
     */
    static Sigstruct existing(Item item, Path out, VerifyingKey signer) {
        Path file = item.sigstructFile(out);
        AtomicFiles.Presence sigstruct = AtomicFiles.presence(file);
        if (sigstruct == AtomicFiles.Presence.LINK || AtomicFiles.presence(item.responseFile(out)) == AtomicFiles.Presence.LINK) {
            throw refuseExisting(sigstruct == AtomicFiles.Presence.LINK ? file : item.responseFile(out),
                    "it is a symbolic link (outputs are the ceremony's own files)");
        }
        if (sigstruct == AtomicFiles.Presence.ABSENT) {
            return null;
        }
        Sigstruct present;
        try {
            present = Sigstruct.read(file);
        } catch (SignerException e) {
            throw refuseExisting(file, "it is not a valid SIGSTRUCT");
        }
        if (!present.sameSignedFields(item.request().unsigned())) {
            throw refuseExisting(file, "it signs other fields than " + item.request().file());
        }
        if (!SigstructVerifier.verify(present).valid()) {
            throw refuseExisting(file, "its signature does not verify");
        }
        if (signer != null && !present.mrsigner().equals(signer.mrsigner())) {
            throw refuseExisting(file, "it was signed by " + present.mrsigner() + ", not this key");
        }
        return present;
    }

    private static SignerException refuseExisting(Path file, String why) {
        return new SignerException(ErrorKind.OUTPUT_EXISTS, file + ": already exists and " + why + "; not overwritten");
    }

    record Result(int signed, int alreadySigned) {
    }

    /** Flushing a file to disk is mostly waiting; more writers in flight let the disk group its commits. */
    private static final int IO_THREADS = 8;

    /** What a worker hands back once a request's outputs are on disk. */
    private record Done(Sigstruct sigstruct, Hash256 sha256) {
    }

    /**
     * Signs and writes. {@code workers} threads sign and verify, a bounded window ahead; writer threads
     * put each SIGSTRUCT and response on disk, atomically and flushed, so flush latency overlaps with
     * signing. This thread journals requests in order, only once their outputs are complete, and
     * commits the lines of everything finished so far in one flush. The caller holds the
     * {@link OutputLock} on {@code plan.out()}, which also made the directory.
     */
    static Result run(Plan plan, Signer signer, int workers, Journal journal, String ceremonyId, String keySource,
                      String toolVersion, ObjectNode context) {
        return run(plan, signer, workers, journal, ceremonyId, keySource, toolVersion, context, Progress.NONE);
    }

    /** A ceremony of more than this many requests reports its progress (a few seconds of signing). */
    static final int PROGRESS_FROM = 100;

    static Result run(Plan plan, Signer signer, int workers, Journal journal, String ceremonyId, String keySource,
                      String toolVersion, ObjectNode context, Progress progress) {
        Progress.Task task = (plan.items().size() > PROGRESS_FROM ? progress : Progress.NONE)
                .start("signing", plan.items().size(), Progress.Unit.ITEMS);
        // Left by a ceremony that was killed while writing; no other ceremony writes here (the lock).
        List<String> outputs = new ArrayList<>();
        for (Item i : plan.items()) {
            outputs.add(i.sigstructFile(plan.out()).getFileName().toString());
            outputs.add(i.responseFile(plan.out()).getFileName().toString());
        }
        AtomicFiles.deleteStaleTemps(plan.out(), outputs);
        ObjectNode start = Journal.fields();
        start.put("ceremonyId", ceremonyId);
        start.put("mrsigner", plan.signer() == null ? null : plan.signer().mrsigner().hex());
        start.put("key", keySource);
        start.put("production", plan.policy().production());
        ArrayNode allowed = start.putArray("allowedAttributes");
        plan.policy().allowedAttributes().stream().sorted().forEach(allowed::add);
        start.setAll(context);
        ArrayNode list = start.putArray("requests");
        for (Item i : plan.items()) {
            list.addObject().put("id", i.request().id()).put("requestSha256", i.request().fileSha256().hex())
                    .put("signingPayloadSha256", i.request().unsigned().signingPayloadSha256().hex());
        }
        journal.append("ceremony-start", start);
        int signed = 0;
        int skipped = 0;
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, workers), daemon());
        ExecutorService io = Executors.newFixedThreadPool(IO_THREADS, daemon());
        Deque<Future<Done>> ahead = new ArrayDeque<>();
        List<Item> items = plan.items();
        int submitted = 0;
        try {
            int journaled = 0;
            int window = 4 * (Math.max(1, workers) + IO_THREADS);
            while (journaled < items.size()) {
                // Take finished requests in order, up to a group: their journal lines go to disk together, after one
                // flush of the directory. A group ends early once its first line has waited COMMIT_DELAY_NANOS for
                // the next request, so a slow signer (a token) still has its lines journaled promptly.
                List<Journal.Event> lines = new ArrayList<>();
                long deadline = 0;
                do {
                    while (submitted < items.size() && ahead.size() < window) {
                        Item next = items.get(submitted++);
                        ahead.add(CompletableFuture.supplyAsync(() -> signed(next, plan, signer), pool)
                                .thenApplyAsync(s -> complete(next, plan.out(), s, toolVersion), io));
                    }
                    if (!lines.isEmpty() && !finishesBy(ahead.peek(), deadline)) {
                        break;
                    }
                    Item i = items.get(journaled++);
                    Done done;
                    try {
                        done = await(ahead.poll());
                    } catch (SignerException e) {
                        // What finished before the failure is on disk: journal it, then report the failure
                        // (the first one: a full disk may refuse the journal too).
                        if (!lines.isEmpty()) {
                            try {
                                commit(journal, plan.out(), lines);
                            } catch (SignerException journalFailure) {
                                e.addSuppressed(journalFailure);
                            }
                        }
                        throw e;
                    }
                    if (lines.isEmpty()) {
                        deadline = System.nanoTime() + COMMIT_DELAY_NANOS;
                    }
                    ObjectNode line = Journal.fields();
                    line.put("ceremonyId", ceremonyId);
                    line.put("id", i.request().id());
                    line.put("requestSha256", i.request().fileSha256().hex());
                    line.put("signingPayloadSha256", done.sigstruct().signingPayloadSha256().hex());
                    line.put("mrsigner", done.sigstruct().mrsigner().hex());
                    line.put("sigstructSha256", done.sha256().hex());
                    // What the printed record shows per request, so it can be made from the journal alone.
                    line.put("sigstruct", i.sigstructFile(plan.out()).getFileName().toString());
                    line.put("mrenclave", done.sigstruct().mrenclave().hex());
                    line.put("isvProdId", done.sigstruct().isvProdId());
                    line.put("isvSvn", done.sigstruct().isvSvn());
                    line.put("debug", done.sigstruct().debug());
                    line.set("attributes", SigstructJson.attributes(done.sigstruct().attributes()));
                    lines.add(new Journal.Event(i.status() == Status.ALREADY_SIGNED ? "already-signed" : "signed", line));
                    if (i.status() == Status.ALREADY_SIGNED) {
                        skipped++;
                    } else {
                        signed++;
                    }
                } while (journaled < items.size() && lines.size() < COMMIT_GROUP);
                commit(journal, plan.out(), lines);
                task.advance(lines.size());
            }
            task.finish();
        } catch (SignerException e) {
            ahead.forEach(f -> f.cancel(true));
            ObjectNode failed = Journal.fields();
            failed.put("ceremonyId", ceremonyId);
            failed.put("error", e.getMessage());
            failed.put("signed", signed);
            try {
                journal.append("ceremony-failed", failed);
            } catch (SignerException journalFailure) {
                e.addSuppressed(journalFailure); // the cause the operator needs is the first failure
            }
            throw e;
        } finally {
            pool.shutdownNow();
            io.shutdownNow();
            // A writer still in flight after a failure removes its own temporary file; wait for it, so
            // that when the ceremony returns the output directory holds only whole outputs.
            awaitQuietly(pool);
            awaitQuietly(io);
        }
        ObjectNode end = Journal.fields();
        end.put("ceremonyId", ceremonyId);
        end.put("signed", signed);
        end.put("alreadySigned", skipped);
        journal.append("ceremony-end", end);
        return new Result(signed, skipped);
    }

    /**
     * Journal lines committed together, at most. Each commit flushes the directory and the journal: once
     * per request that was two of a request's four flushes, and on two cores the writers' wake-ups took
     * the signing threads' time (docs/performance.md).
     */
    static final int COMMIT_GROUP = 32;

    /** How long the first line of a group waits for the group to fill before it is committed anyway. */
    static final long COMMIT_DELAY_NANOS = java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(100);

    /** Whether {@code next} is done, or finishes before {@code deadline} (System.nanoTime); a failure counts as done. */
    private static boolean finishesBy(Future<Done> next, long deadline) {
        if (next.isDone()) {
            return true;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            return false;
        }
        try {
            next.get(left, java.util.concurrent.TimeUnit.NANOSECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            return true; // await reports it
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true; // await reports it
        }
    }

    /** Journals finished requests: their outputs' names go to disk before the lines that say they are written. */
    private static void commit(Journal journal, Path out, List<Journal.Event> lines) {
        AtomicFiles.syncDirectory(out);
        journal.append(lines);
    }

    /** One request, start to finish: sign (or reread and check again), check, write the SIGSTRUCT and the response. */
    private static Sigstruct signed(Item i, Plan plan, Signer signer) {
        if (i.status() == Status.ALREADY_SIGNED) {
            // Checked when the plan was made, and again now: the journal records these bytes.
            Sigstruct present = existing(i, plan.out(), plan.signer());
            if (present == null) {
                throw new SignerException(ErrorKind.OUTPUT_EXISTS, i.sigstructFile(plan.out())
                        + ": was there when the review was made and is gone now");
            }
            return present;
        }
        Sigstruct result = signer.sign(i.request());
        // The signer verified the SIGSTRUCT; check once more that it signs exactly this request.
        if (!result.sameSignedFields(i.request().unsigned()) || !SigstructVerifier.verify(result).valid()) {
            throw new SignerException(ErrorKind.VERIFICATION_FAILED, i.request().id()
                    + ": the signer returned a SIGSTRUCT that does not verify over this request");
        }
        if (plan.signer() != null && !result.mrsigner().equals(plan.signer().mrsigner())) {
            throw new SignerException(ErrorKind.VERIFICATION_FAILED, i.request().id() + ": the signer returned a SIGSTRUCT "
                    + "by " + result.mrsigner() + ", not by the reviewed key " + plan.signer().mrsigner());
        }
        return result;
    }

    private static Done complete(Item i, Path out, Sigstruct result, String toolVersion) {
        Path ssFile = i.sigstructFile(out);
        if (i.status() == Status.TO_SIGN) {
            AtomicFiles.createOrConfirm(ssFile, result.toBytes(), false);
        }
        Hash256 ssSha = Hash256.sha256(result.toBytes());
        SigningResponse response = new SigningResponse(SigningResponse.SCHEMA, toolVersion, i.request().request().name(),
                i.request().request().memoryModel(), i.request().fileSha256().hex(), result.mrsigner().hex(),
                result.signingPayloadSha256().hex(), ssSha.hex());
        AtomicFiles.createOrConfirm(i.responseFile(out), response.toJson(), false);
        return new Done(result, ssSha);
    }

    private static Done await(Future<Done> future) {
        try {
            return future.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SignerException se) {
                throw se;
            }
            if (e.getCause() instanceof java.util.concurrent.CompletionException ce && ce.getCause() instanceof SignerException se) {
                throw se;
            }
            throw new SignerException(ErrorKind.INTERNAL, "signing failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SignerException(ErrorKind.INTERNAL, "interrupted while signing", e);
        }
    }

    private static void awaitQuietly(ExecutorService pool) {
        try {
            pool.awaitTermination(60, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static ThreadFactory daemon() {
        return r -> {
            Thread t = new Thread(r, "signer");
            t.setDaemon(true);
            return t;
        };
    }
}

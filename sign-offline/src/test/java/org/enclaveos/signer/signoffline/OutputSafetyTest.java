package org.enclaveos.signer.signoffline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.crypto.PemKeys;
import org.enclaveos.signer.crypto.SigningKey;
import org.enclaveos.signer.crypto.SigstructSigner;
import org.enclaveos.signer.request.RequestSet;
import org.enclaveos.signer.cli.CliRun;
import org.enclaveos.signer.testing.Tools;
import org.enclaveos.signer.testing.Requests;
import org.junit.jupiter.api.Test;

/** The output directory is the ceremony's own: links, locks, re-reads and secrets. */
class OutputSafetyTest extends CeremonyFixture {

    @Test
    void aJournalOrLockPlacedAsASymlinkInOutIsRefusedAndTheFileElsewhereIsUntouched() throws IOException {
        Path req = Requests.write(dir.resolve("req"), 1, null);
        Path victim = Files.writeString(dir.resolve("victim.txt"), "precious\n");
        Path out = Files.createDirectories(dir.resolve("signed"));
        Files.createSymbolicLink(out.resolve("journal.jsonl"), victim);
        CliRun r = sign(req.toString(), "--key", keyFile.toString(), "--out", out.toString(), "--yes");
        assertEquals(3, r.exitCode(), r::toString);
        assertEquals("enclaveos-signer: " + out.resolve("journal.jsonl") + ": is a symbolic link; the journal is not "
                + "written through one (give --journal the real file)", r.lastErrLine());
        assertEquals("precious\n", Files.readString(victim));
        assertFalse(Files.exists(out.resolve("app0.sgx1.sigstruct")), "nothing signed");

        Files.delete(out.resolve("journal.jsonl"));
        Files.deleteIfExists(out.resolve(OutputLock.FILE_NAME));
        Path missing = dir.resolve("created-elsewhere");
        Files.createSymbolicLink(out.resolve(OutputLock.FILE_NAME), missing);
        CliRun lock = sign(req.toString(), "--key", keyFile.toString(), "--out", out.toString(), "--yes");
        assertEquals(3, lock.exitCode(), lock::toString);
        assertTrue(lock.lastErrLine().endsWith(OutputLock.FILE_NAME + ": is a symbolic link; the lock file is the "
                + "ceremony's own (remove the link)"), lock.err());
        assertFalse(Files.exists(missing), "no file created through the link");
    }

    @Test
    void aSymlinkInPlaceOfAnOutputIsRefusedByName() throws IOException {
        Path req = Requests.write(dir.resolve("req"), 1, null);
        Path out = dir.resolve("signed");
        assertEquals(0, sign(req.toString(), "--key", keyFile.toString(), "--out", out.toString(), "--yes").exitCode());
        Path real = dir.resolve("real.sigstruct");
        Files.move(out.resolve("app0.sgx1.sigstruct"), real);
        Files.createSymbolicLink(out.resolve("app0.sgx1.sigstruct"), real);
        CliRun r = sign(req.toString(), "--key", keyFile.toString(), "--out", out.toString(), "--yes");
        assertEquals(6, r.exitCode(), r::toString);
        assertTrue(r.lastErrLine().endsWith("app0.sgx1.sigstruct: already exists and it is a symbolic link (outputs are "
                + "the ceremony's own files); not overwritten"), r.err());
    }

    @Test
    void theLockIsTakenBeforeAnythingIsReadAndSamePathsAreOneLock() throws IOException {
        Path out = dir.resolve("signed");
        try (OutputLock held = OutputLock.acquire(out, out.resolve("journal.jsonl"))) {
            // The requests do not even exist: the lock is what refuses, before they are read.
            CliRun r = sign(dir.resolve("no-such-requests").toString(), "--key", keyFile.toString(), "--out",
                    out.toString(), "--yes");
            assertEquals(3, r.exitCode(), r::toString);
            assertTrue(r.lastErrLine().contains("another sign-offline is writing here"), r.err());
        }
        Path req = Requests.write(dir.resolve("req"), 1, null);
        // The same directory spelled another way is the same lock, not "another ceremony".
        Path spelled = out.resolve("..").resolve(out.getFileName()).resolve(".").resolve("journal.jsonl");
        CliRun ok = sign(req.toString(), "--key", keyFile.toString(), "--out", out.toString(), "--journal",
                spelled.toString(), "--yes");
        assertEquals(0, ok.exitCode(), ok::toString);
        assertEquals(3, Journal.verify(out.resolve("journal.jsonl")).lines(), "start, signed, end in one journal");
    }

    @Test
    void anAlreadySignedOutputIsCheckedAgainWhenItIsReadToBeJournaled() throws IOException {
        Path req = Requests.write(dir.resolve("req"), 1, null);
        Path out = dir.resolve("signed");
        assertEquals(0, sign(req.toString(), "--key", keyFile.toString(), "--out", out.toString(), "--yes").exitCode());
        List<RequestSet.Loaded> loaded = RequestSet.load(List.of(req));
        CeremonyPolicy policy = new CeremonyPolicy(false, Set.of());
        Ceremony.Plan plan = Ceremony.plan(loaded, key.publicKey(), policy, out);
        assertEquals(Ceremony.Status.ALREADY_SIGNED, plan.items().get(0).status());
        // After the review, before the journal: the output is swapped for a valid SIGSTRUCT by another key.
        SigningKey other = org.enclaveos.signer.testing.TestKeys.key("other");
        byte[] swapped = SigstructSigner.sign(loaded.get(0).unsigned(), other).toBytes();
        Files.delete(out.resolve("app0.sgx1.sigstruct"));
        Files.write(out.resolve("app0.sgx1.sigstruct"), swapped);
        long before = Journal.verify(out.resolve("journal.jsonl")).lines();
        Journal j = Journal.open(out.resolve("journal.jsonl"));
        SignerException e = assertThrows(SignerException.class, () -> Ceremony.run(plan, l -> {
            throw new AssertionError("nothing is to be signed");
        }, 1, j, "c", "k", "v", com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode()));
        assertEquals(ErrorKind.OUTPUT_EXISTS, e.kind());
        assertTrue(e.getMessage().contains("it was signed by " + other.mrsigner() + ", not this key"), e.getMessage());
        String journal = Files.readString(out.resolve("journal.jsonl"));
        assertFalse(journal.contains("\"event\":\"already-signed\""), "the swapped SIGSTRUCT is never journaled");
        assertTrue(journal.contains("\"event\":\"ceremony-failed\""), journal);
        assertEquals(before + 2, Journal.verify(out.resolve("journal.jsonl")).lines(), "start and failed only");
    }

    @Test
    void importedSignaturesAreJournaledWithTheirSourceAndKey() throws IOException {
        Path req = Requests.write(dir.resolve("req"), 1, null);
        Path payloads = dir.resolve("payloads");
        assertEquals(0, sign(req.toString(), "--export-payloads", payloads.toString(), "--yes").exitCode());
        Tools.ok("openssl", "dgst", "-sha256", "-sign", keyFile.toString(), "-out",
                payloads.resolve("app0.sgx1.sig").toString(), payloads.resolve("app0.sgx1.payload").toString());
        Path pub = dir.resolve("pub.pem");
        PemKeys.writePublicKey(key.publicKey(), pub);
        Path out = dir.resolve("imported");
        CliRun r = sign(req.toString(), "--import-signatures", payloads.toString(), "--public-key", pub.toString(),
                "--out", out.toString(), "--yes");
        assertEquals(0, r.exitCode(), r::toString);
        List<String> lines = Files.readAllLines(out.resolve("journal.jsonl"));
        assertTrue(lines.get(0).contains("\"importedSignatures\":\"" + payloads + "\""), lines.get(0));
        assertTrue(lines.get(0).contains("\"publicKey\":\"" + pub + "\""), lines.get(0));
        assertTrue(lines.get(1).contains("\"event\":\"signed\"") && lines.get(1).contains(key.mrsigner().hex()), lines.get(1));
    }

    @Test
    void theKeysPassphraseIsNeverJournaledNorPrinted() throws IOException {
        String passphrase = "correct-horse-battery-staple-4711";
        Path enc = dir.resolve("enc.pem");
        Tools.ok("openssl", "pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", keyFile.toString(), "-out", enc.toString(),
                "-passout", "pass:" + passphrase);
        Path pass = Files.writeString(dir.resolve("pass.txt"), passphrase + "\n");
        Path req = Requests.write(dir.resolve("req"), 2, null);
        Path out = dir.resolve("signed");
        CliRun r = sign(req.toString(), "--key", enc.toString(), "--passphrase-file", pass.toString(), "--out",
                out.toString(), "--yes", "--json");
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(Files.exists(out.resolve("app1.sgx1.sigstruct")), "the encrypted key was used");
        for (Path p : List.of(out.resolve("journal.jsonl"), out.resolve("app0.sgx1.response.json"))) {
            assertFalse(Files.readString(p).contains(passphrase), p.toString());
        }
        assertFalse(r.out().contains(passphrase) || r.err().contains(passphrase));
    }

    @Test
    void anUnencryptedKeyReadableByOthersIsWarnedAbout() throws IOException {
        Path req = Requests.write(dir.resolve("req"), 1, null);
        Path open = dir.resolve("open.pem");
        Files.copy(keyFile, open);
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r--r--"));
        CliRun r = sign(req.toString(), "--key", open.toString(), "--out", dir.resolve("o").toString(), "--dry-run");
        assertEquals(0, r.exitCode(), r::toString);
        assertTrue(r.err().contains("WARNING: " + open + ": the unencrypted private key is readable by every user "
                + "(mode rw-r--r--); chmod 600 it"), r.err());
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-------"));
        CliRun quiet = sign(req.toString(), "--key", open.toString(), "--out", dir.resolve("o").toString(), "--dry-run");
        assertFalse(quiet.err().contains("WARNING: "), quiet.err());
    }

    @Test
    void aFifoGivenAsARequestIsRefusedAtOnce() throws Exception {
        Path fifo = dir.resolve("app.sgx1.request.json");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        CliRun r = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(20),
                () -> sign(fifo.toString(), "--key", keyFile.toString(), "--out", dir.resolve("o").toString(), "--yes"));
        assertEquals(3, r.exitCode(), r::toString);
        assertTrue(r.lastErrLine().endsWith(fifo + ": not a regular file (a request file is expected; pipes, devices and "
                + "directories are refused)"), r.err());
    }
}

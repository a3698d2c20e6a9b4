package org.enclaveos.signer.app;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

import org.enclaveos.signer.cli.Cli;
import org.enclaveos.signer.measure.Measurement;
import org.enclaveos.signer.measure.SgxsWriter;
import org.enclaveos.signer.request.MemoryModel;
import org.enclaveos.signer.request.RequestWriter;
import org.enclaveos.signer.request.SigningRequest;
import org.enclaveos.signer.sgx.Attributes;
import org.enclaveos.signer.sgx.Hash256;
import org.enclaveos.signer.sgx.Secinfo;
import org.enclaveos.signer.sgx.Sigstruct;
import org.enclaveos.signer.sgx.SigstructDate;

/**
 * Training runs for JDK 25's ahead-of-time caches (JEP 483/514/515), run by the build (cli/pom.xml),
 * never by a user. The JDK takes one training process per cache and loads every class of a cache at
 * start-up, so each kind of command gets a cache trained on it alone (a lone {@code --version} and
 * every other command are trained on directly, with {@code --version} and {@code demo}):
 * <ul>
 * <li>{@code short SIGSTRUCT DIR}: {@code --help}, {@code inspect} and {@code verify} of a SIGSTRUCT, and
 *     {@code measure} of an SGXS file written into DIR, which scripts run by the thousand; a cache that
 *     also held the demo's classes made inspect 0.02 s slower, and measure of a file took 0.015 s more
 *     from the demo's cache than from this one.</li>
 * <li>{@code ceremony DIR}: keygen, then a PEM ceremony of {@link #REQUESTS} requests, so that the method
 *     profiles let the JIT compile RSA's and the checks' hot code early.</li>
 * </ul>
 * {@code requests N DIR} writes N such requests and nothing else: scripts/bench and CeremonyCrashIT time
 * and interrupt ceremonies over the same requests the ceremony's cache was trained on.
 * Output is discarded; a failed step exits 1, and the build then keeps no cache.
 */
public final class AotTraining {
    static final int REQUESTS = 200;

    private AotTraining() {
    }

    public static void main(String[] args) throws IOException {
        PrintStream out = System.out;
        System.setOut(new PrintStream(OutputStream.nullOutputStream()));
        List<String> failed = new ArrayList<>();
        switch (args[0]) {
            case "short" -> {
                step(failed, "--help", run("--help"));
                step(failed, "inspect", run("inspect", args[1]));
                step(failed, "verify", run("verify", args[1]));
                Path sgxs = Files.createDirectories(Path.of(args[2])).resolve("page.sgxs");
                try (OutputStream file = Files.newOutputStream(sgxs)) {
                    SgxsWriter writer = new SgxsWriter(file);
                    writer.ecreate(1, Measurement.PAGE_SIZE);
                    writer.eadd(0, Secinfo.REG | Secinfo.R);
                    byte[] page = new byte[Measurement.PAGE_SIZE];
                    for (int chunk = 0; chunk < Measurement.PAGE_SIZE; chunk += Measurement.CHUNK_SIZE) {
                        writer.eextend(chunk, page, chunk);
                    }
                }
                step(failed, "measure", run("measure", sgxs.toString()));
            }
            case "ceremony" -> {
                Path dir = Files.createDirectories(Path.of(args[1]));
                Path key = dir.resolve("key.pem");
                step(failed, "keygen", run("keygen", "--out", key.toString()));
                Path requests = dir.resolve("requests");
                writeRequests(requests, REQUESTS);
                step(failed, "sign-offline", run("sign-offline", requests.toString(), "--key", key.toString(), "--out",
                        dir.resolve("signatures").toString(), "--journal", dir.resolve("journal.jsonl").toString(), "--yes"));
            }
            case "requests" -> writeRequests(Path.of(args[2]), Integer.parseInt(args[1]));
            default -> failed.add("no training called " + args[0]);
        }
        System.setOut(out);
        if (!failed.isEmpty()) {
            System.err.println("AOT training: these steps failed: " + failed);
        }
        // Through System.exit, as every command ends: since JDK 21 it logs the exit through System.Logger,
        // whose 30 classes then come from the cache too (inspect ended 0.005 s sooner, 31 alternated runs).
        System.exit(failed.isEmpty() ? 0 : 1);
    }

    private static int run(String... args) {
        return Cli.run(new EnclaveosSigner(), args);
    }

    private static void step(List<String> failed, String name, int exitCode) {
        if (exitCode != 0) {
            failed.add(name + " (exit " + exitCode + ")");
        }
    }

    /** Requests with distinct measurements, as a batch of enclaves brings them. */
    private static void writeRequests(Path dir, int n) {
        List<SigningRequest> list = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Sigstruct s = Sigstruct.builder().date(SigstructDate.of(LocalDate.of(2026, 1, 1)))
                    .attributes(new Attributes(Attributes.MODE64BIT, 0x7)).attributeMask(new Attributes(-1L, ~0xE0L))
                    .miscMask(0xfffffffe).isvProdId(1).isvSvn(i % 65536)
                    .mrenclave(Hash256.sha256(Integer.toString(i).getBytes(StandardCharsets.US_ASCII))).build();
            list.add(SigningRequest.create("training", "enclave" + i, MemoryModel.SGX1, SigningRequest.Source.given(), null,
                    null, "given", null, s, null));
        }
        RequestWriter.write(dir, list, false, "training");
    }
}

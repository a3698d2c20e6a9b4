package org.enclaveos.signer.app;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import org.enclaveos.signer.crypto.PemKeys;
import org.enclaveos.signer.crypto.SigningKey;
import org.enclaveos.signer.crypto.SigstructSigner;
import org.enclaveos.signer.image.ImageReference;
import org.enclaveos.signer.image.SampleImage;
import org.enclaveos.signer.layout.LayoutBuilder;
import org.enclaveos.signer.layout.LayoutManifest;
import org.enclaveos.signer.measure.Sgxs;
import org.enclaveos.signer.measure.SgxsWriter;
import org.enclaveos.signer.request.MemoryModel;
import org.enclaveos.signer.sgx.Attributes;
import org.enclaveos.signer.sgx.Hash256;
import org.enclaveos.signer.sgx.Sigstruct;

import org.enclaveos.signer.cli.VersionProvider;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "demo", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Run the whole re-signing flow on a sample image: no network, registry or Docker needed.", "",
            "Builds a converted image (SGX1 layout as SGXS, SGX2 layout as a manifest, signed by a sample converter "
                + "key) as an OCI layout in a work directory, makes a debug key, then runs prepare, sign-offline and "
                + "attach as the three real steps, printing each command, and ends with verify's table."},
        footer = {"", "Example:", "  enclaveos-signer demo --dir /tmp/enclaveos-demo"})
public final class DemoCommand implements Callable<Integer> {
    @Option(names = "--dir", paramLabel = "DIR", description = "Work directory (default: a new one under the system "
            + "temporary directory). Kept afterwards for exploring.")
    Path dir;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        Path work = dir != null ? Files.createDirectories(dir) : Files.createTempDirectory("enclaveos-demo-");
        out.println("# work directory: " + work);
        ImageReference source = sampleImage(work.resolve("image"));
        out.println("# built a converted sample image: " + source);
        String target = "oci:" + work.resolve("signed") + ":1.0";
        Path key = work.resolve("debug-key.pem");
        Path requests = work.resolve("requests");
        Path signatures = work.resolve("signatures");
        int rc = step(out, "keygen", "--out", key.toString());
        rc = rc != 0 ? rc : step(out, "prepare", source.toString(), "--memory-model", "all", "--target", target,
                "--out", requests.toString());
        rc = rc != 0 ? rc : step(out, "sign-offline", requests.toString(), "--key", key.toString(), "--out",
                signatures.toString(), "--yes", "--ceremony-id", "demo");
        rc = rc != 0 ? rc : step(out, "attach", requests.toString(), "--signatures", signatures.toString());
        rc = rc != 0 ? rc : step(out, "verify", target, "--public-key", publicKey(key, work).toString());
        if (rc == 0) {
            out.println();
            out.println("# done: the image at " + target + " now carries signatures by the debug key above.");
            out.println("# For a real image: prepare docker://REGISTRY/REPO:TAG on a networked host, carry the requests to");
            out.println("# the air-gapped host for sign-offline (README, \"A ceremony, step by step\"), and attach back.");
        }
        out.flush();
        return rc;
    }

    private int step(PrintWriter out, String... args) {
        out.println();
        out.println("$ ./enclaveos-signer " + String.join(" ", args));
        out.flush();
        return EnclaveosSigner.runStep(spec, args);
    }

    private static Path publicKey(Path key, Path work) {
        Path pub = work.resolve("debug-key.pub.pem");
        if (!Files.exists(pub)) {
            PemKeys.writePublicKey(PemKeys.loadSigningKey(key, org.enclaveos.signer.crypto.PassphraseSource.NONE).publicKey(), pub);
        }
        return pub;
    }

    /** A small enclave in both memory models, signed by a sample converter key, as an OCI layout. */
    static ImageReference sampleImage(Path dir) throws IOException {
        byte[] code = new byte[2 * 4096];
        for (int i = 0; i < code.length; i++) {
            code[i] = (byte) (i * 7 + 3);
        }
        String manifest = """
            {"schema": "enclaveos-signer/layout/v1", "enclave": {"size": "0x100000", "ssaFrameSize": 1},
             "ranges": [
               {"name": "tcs", "offset": 0, "pages": 1, "flags": "0x100", "content": {"inline": "AAAAAAAAAAAAAAAAAAAAAAAQAAAAAAAA"}},
               {"name": "code", "offset": "0x1000", "pages": 2, "flags": "0x205",
                "content": {"file": "app.bin", "offset": 0, "length": 8192}},
               {"name": "stack", "offset": "0x3000", "pages": 2, "flags": "0x203", "content": {"fill": "0xcccccccc"}},
               {"name": "heap", "offset": "0x5000", "pages": 200, "flags": "0x207", "measure": "none", "models": ["sgx1"]}
             ]}
            """;
        LayoutManifest layout = LayoutManifest.parse(manifest.getBytes(StandardCharsets.UTF_8), "demo layout");
        org.enclaveos.signer.layout.ContentSource source =
                org.enclaveos.signer.layout.ContentSource.inMemory(Map.of("app.bin", code)::get);
        ByteArrayOutputStream sgxs = new ByteArrayOutputStream();
        LayoutBuilder.build(layout, MemoryModel.SGX1, source, new SgxsWriter(sgxs));
        Hash256 sgx1 = Sgxs.measure(new ByteArrayInputStream(sgxs.toByteArray())).mrenclave();
        Hash256 sgx2 = LayoutBuilder.measure(layout, EnumSet.of(MemoryModel.SGX2), source).get(MemoryModel.SGX2);
        SigningKey converter = PemKeys.generate("sample converter");
        Sigstruct base = Sigstruct.builder().isvProdId(1).isvSvn(1).attributes(new Attributes(0x6, 0x7))
                .attributeMask(new Attributes(-1L, ~0xE0L)).miscMask(0xfffffffe).mrenclave(sgx1).build();
        Map<String, byte[]> files = new LinkedHashMap<>();
        files.put("enclave/app.sgxs", sgxs.toByteArray());
        files.put("enclave/layout.json", manifest.getBytes(StandardCharsets.UTF_8));
        files.put("enclave/app.bin", code);
        return SampleImage.write(dir, new SampleImage.Contents(files, "/enclave/app.sgxs", "/enclave/layout.json",
                SigstructSigner.sign(base, converter), SigstructSigner.sign(base.toBuilder().mrenclave(sgx2).build(), converter),
                true));
    }


}

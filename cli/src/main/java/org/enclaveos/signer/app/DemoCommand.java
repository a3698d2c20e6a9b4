package org.enclaveos.signer.app;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import org.enclaveos.signer.ErrorKind;
import org.enclaveos.signer.SignerException;
import org.enclaveos.signer.attach.Attach;
import org.enclaveos.signer.attach.ImageAttach;
import org.enclaveos.signer.attach.SignedRequest;
import org.enclaveos.signer.crypto.PemKeys;
import org.enclaveos.signer.crypto.SigningKey;
import org.enclaveos.signer.crypto.SigstructSigner;
import org.enclaveos.signer.image.ImageMeasure;
import org.enclaveos.signer.image.ImageReference;
import org.enclaveos.signer.image.ImageVerify;
import org.enclaveos.signer.image.RegistryClient;
import org.enclaveos.signer.image.SampleImage;
import org.enclaveos.signer.layout.LayoutBuilder;
import org.enclaveos.signer.layout.LayoutManifest;
import org.enclaveos.signer.measure.Sgxs;
import org.enclaveos.signer.measure.SgxsWriter;
import org.enclaveos.signer.prepare.EnclaveSource;
import org.enclaveos.signer.prepare.Prepare;
import org.enclaveos.signer.prepare.PrepareSpec;
import org.enclaveos.signer.request.MemoryModel;
import org.enclaveos.signer.request.RequestSet;
import org.enclaveos.signer.request.RequestWriter;
import org.enclaveos.signer.signoffline.KeyCeremony;
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
        PrintWriter err = spec.commandLine().getErr();
        Path work = dir != null ? Files.createDirectories(dir) : Files.createTempDirectory("enclaveos-demo-");
        out.println("# work directory: " + work);
        ImageReference source = sampleImage(work.resolve("image"));
        out.println("# built a converted sample image: " + source);
        String target = "oci:" + work.resolve("signed") + ":1.0";
        Path key = work.resolve("debug-key.pem");
        Path requests = work.resolve("requests");
        Path signatures = work.resolve("signatures");
        // Each step is the library call the command makes; the line before it is that command.
        step(out, "keygen --out " + key);
        SigningKey debugKey = PemKeys.generate("demo debug key");
        PemKeys.writePrivateKey(debugKey, key);
        out.println("wrote " + key + " (MRSIGNER " + debugKey.mrsigner() + ")");

        step(out, "prepare " + source + " --memory-model all --target " + target + " --out " + requests);
        Prepare.Prepared prepared = Prepare.requests(PrepareSpec.builder().source(new EnclaveSource.Image(source.toString()))
                .models(EnumSet.allOf(MemoryModel.class)).target(target)
                .defaultDate(org.enclaveos.signer.prepare.PrepareCommand.defaultDate())
                .build(), w -> err.println("warning: " + w));
        for (RequestWriter.Written w : Prepare.write(requests, prepared.requests(), false)) {
            out.println("wrote " + w.file() + "  mrenclave " + w.request().mrenclave());
        }

        step(out, "sign-offline " + requests + " --key " + key + " --out " + signatures + " --yes --ceremony-id demo");
        KeyCeremony.Outcome signed = KeyCeremony.run(new KeyCeremony.Settings(List.of(requests), signatures, null, false,
                Set.of(), "demo", false), KeyCeremony.pem(key, null, null, err), err, KeyCeremony.AUTOMATIC);
        out.println(signed.signed() + " signed, journal " + signed.journal());

        step(out, "attach " + requests + " --signatures " + signatures);
        ImageAttach.Result pushed = Attach.image(Attach.groups(RequestSet.load(List.of(requests))).get(0), signatures,
                new SignedRequest.Trust(Optional.of(debugKey.mrsigner()), false, err::println), null,
                RegistryClient.Options.defaults(), org.enclaveos.signer.attach.EvidenceOptions.defaults());
        out.println("pushed " + pushed.target() + "@" + pushed.manifestDigest());

        step(out, "verify " + target + " --mrsigner " + debugKey.mrsigner());
        ImageVerify.Result verified = ImageVerify.verify(ImageReference.parse(target), null, null,
                ImageMeasure.DEFAULT_MAX_LAYOUT_SIZE, RegistryClient.Options.defaults(), debugKey.mrsigner());
        verified.printTable(out);
        if (!verified.verified()) {
            throw new SignerException(ErrorKind.VERIFICATION_FAILED, String.join("; ", verified.failures()));
        }
        out.println();
        out.println("# done: the image at " + target + " now carries signatures by the debug key above.");
        out.println("# For a real image: prepare docker://REGISTRY/REPO:TAG on a networked host, carry the requests to");
        out.println("# the air-gapped host for sign-offline (README, \"A ceremony, step by step\"), and attach back.");
        out.flush();
        return 0;
    }

    private static void step(PrintWriter out, String command) {
        out.println();
        out.println("$ ./enclaveos-signer " + command);
        out.flush();
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

"""Chalice's packager, run as a library, and the command line of `python -m infra.template`.

`python -m infra.template package --stage prod --out dist/prod` writes `sam.json` and `deployment.zip` (what
`chalice package --merge-template` would write) plus the `merge.json` it merged in (infra/merge.py);
`template` writes the merged template alone, without building the zip (for cfn-lint and the tests: the same
code path, about 1 s instead of 15-50 s). Both run Chalice's packager with one addition: Chalice refuses to
package `@app.on_s3_event` ("CloudFormation does not support modifying the event notifications of existing
buckets"), because it assumes the bucket already exists. Here the bucket is created by the same stack, so the
generator below writes the SAM `S3` event that CloudFormation supports for a bucket of the same template. The
handler and its Chalice event object stay exactly as they are.
"""

from __future__ import annotations

import argparse
import json
import os
import zipfile
from pathlib import Path
from typing import Any

from infra import layers
from infra.merge import check_merge_targets, deep_merge, merge_template
from infra.stack import ROOT, STAGES, ref
from infra.storage import MEDIA_BUCKET

CODE_URI = "./deployment.zip"
DESCRIPTION = "The deployable template: Chalice's own SAM template, merged with what the app needs beyond it."


def _chalice_parts(stage: str, project_dir: Path) -> tuple[Any, Any]:
    """Chalice's config for the stage and the package options (service principals for the region)."""
    from botocore.session import Session
    from chalice.awsclient import TypedAWSClient
    from chalice.cli.factory import CLIFactory
    from chalice.package import PackageOptions

    config = CLIFactory(str(project_dir)).create_config_obj(stage)
    session = Session()
    if not session.get_config_variable("region"):
        session.set_config_variable("region", os.environ.get("AWS_REGION", "ap-southeast-1"))
    return config, PackageOptions(TypedAWSClient(session))


def _generator_class() -> type:
    from chalice.package import SAMTemplateGenerator, UnsupportedFeatureError
    from chalice.utils import to_cfn_resource_name

    class Generator(SAMTemplateGenerator):  # type: ignore[misc]
        """Chalice's SAM generator plus `@app.on_s3_event` for the stack's own media bucket."""

        def _generate_s3bucketnotification(self, resource: Any, template: dict[str, Any]) -> None:
            if not str(resource.bucket).endswith("-media"):
                raise UnsupportedFeatureError(
                    f"on_s3_event for bucket {resource.bucket!r}: only the media bucket is created by the stack"
                )
            function = template["Resources"][to_cfn_resource_name(resource.lambda_function.resource_name)]
            event_name = self._register_cfn_resource_name(resource.resource_name)
            props: dict[str, Any] = {"Bucket": ref(MEDIA_BUCKET), "Events": list(resource.events)}
            rules = [
                {"Name": n, "Value": v}
                for n, v in (("prefix", resource.prefix), ("suffix", resource.suffix))
                if v
            ]
            if rules:
                props["Filter"] = {"S3Key": {"Rules": rules}}
            function["Properties"].setdefault("Events", {})[event_name] = {"Type": "S3", "Properties": props}

    return Generator


def _template_only_stage(config: Any) -> Any:
    """Chalice's build stage without the step that pip-installs and zips the package."""
    from chalice.deploy import deployer
    from chalice.deploy.swagger import CFNSwaggerGenerator
    from chalice.utils import UI, OSUtils

    class NoZip(deployer.BaseDeployStep):  # type: ignore[misc]
        def handle_deploymentpackage(self, config: Any, resource: Any) -> None:
            resource.filename = CODE_URI

    full = deployer.create_build_stage(OSUtils(), UI(), CFNSwaggerGenerator(), config)
    steps = [NoZip() if isinstance(s, deployer.DeploymentPackager) else s for s in full._steps]
    return deployer.BuildStage(steps=steps)


def chalice_template(stage: str, project_dir: Path = ROOT) -> dict[str, Any]:
    """Chalice's own (unmerged) SAM template for the stage, without building the deployment package."""
    from chalice.package import ApplicationGraphBuilder, DependencyBuilder, ResourceBuilder

    config, options = _chalice_parts(stage, project_dir)
    builder = ResourceBuilder(ApplicationGraphBuilder(), DependencyBuilder(), _template_only_stage(config))
    template: dict[str, Any] = _generator_class()(config, options).generate(
        builder.construct_resources(config, stage)
    )
    return template


def build_merge(stage: str, project_dir: Path = ROOT) -> tuple[dict[str, Any], dict[str, Any]]:
    """(Chalice's template, the merge for it); raises when the merge targets a name Chalice no longer makes."""
    base = chalice_template(stage, project_dir)
    merge = merge_template(stage, base)
    problems = check_merge_targets(merge, base)
    if problems:
        raise RuntimeError("infra/ is out of step with app.py:\n  " + "\n  ".join(problems))
    return base, merge


def template(stage: str, project_dir: Path = ROOT) -> dict[str, Any]:
    """The deployable template, as `package` writes it, without building the deployment package."""
    base, merge = build_merge(stage, project_dir)
    return deep_merge(merge, base)


def package(stage: str, out_dir: Path, project_dir: Path = ROOT) -> Path:
    """`chalice package --merge-template` with the S3-aware generator: out_dir/sam.json and deployment.zip."""
    from chalice.deploy.deployer import create_build_stage
    from chalice.deploy.swagger import CFNSwaggerGenerator
    from chalice.package import (
        ApplicationGraphBuilder,
        AppPackager,
        CompositePostProcessor,
        DependencyBuilder,
        JSONTemplateSerializer,
        ResourceBuilder,
        SAMCodeLocationPostProcessor,
        TemplateDeepMerger,
        TemplateMergePostProcessor,
    )
    from chalice.utils import UI, OSUtils

    _, merge = build_merge(stage, project_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    merge_path = out_dir / "merge.json"
    merge_path.write_text(json.dumps(merge, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    config, options = _chalice_parts(stage, project_dir)
    osutils = OSUtils()
    serializer = JSONTemplateSerializer()
    packager = AppPackager(
        _generator_class()(config, options),
        ResourceBuilder(
            ApplicationGraphBuilder(),
            DependencyBuilder(),
            create_build_stage(osutils, UI(), CFNSwaggerGenerator(), config),
        ),
        CompositePostProcessor(
            [
                SAMCodeLocationPostProcessor(osutils=osutils),
                TemplateMergePostProcessor(
                    osutils=osutils,
                    merger=TemplateDeepMerger(),
                    template_serializer=serializer,
                    merge_template=str(merge_path),
                ),
            ]
        ),
        serializer,
        osutils,
    )
    packager.package_app(config, str(out_dir), stage)
    layers.split_package(out_dir / "deployment.zip")  # geo packages to their layer, unused models out
    return out_dir / "sam.json"


def package_size(zip_path: Path) -> tuple[int, int, int]:
    """(bytes zipped, bytes unzipped, files) of a deployment package."""
    with zipfile.ZipFile(zip_path) as z:
        infos = z.infolist()
    return zip_path.stat().st_size, sum(i.file_size for i in infos), len(infos)


def describe_size(zip_path: Path) -> str:
    zipped, unzipped, files = package_size(zip_path)
    return (
        f"deployment package: {zipped / 1e6:.1f} MB zipped, {unzipped / 1e6:.1f} MB unzipped, {files} files "
        f"(Lambda limits: 250 MB unzipped; zips over 50 MB must go through S3, as `aws cloudformation package` does)"
    )


def _write(path: Path, doc: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.template", description=DESCRIPTION)
    sub = parser.add_subparsers(dest="command", required=True)
    p_pkg = sub.add_parser("package", help="sam.json + deployment.zip (+ merge.json) into --out")
    p_pkg.add_argument("--stage", choices=STAGES, default="dev")
    p_pkg.add_argument("--out", type=Path, required=True, help="directory, e.g. dist/prod")
    p_tpl = sub.add_parser("template", help="the merged template only (no deployment package)")
    p_tpl.add_argument("--stage", choices=STAGES, default="dev")
    p_tpl.add_argument("--out", type=Path, required=True, help="file, e.g. dist/cfn-lint/sam-dev.json")
    args = parser.parse_args(argv)
    if args.command == "package":
        sam = package(args.stage, args.out)
        print(f"wrote {sam} and {args.out / 'deployment.zip'}")
        print(describe_size(args.out / "deployment.zip"))
    else:
        _write(args.out, template(args.stage))
        print(f"wrote {args.out}")
    return 0

{
  os: .os,
  layers: [.layers[] | {index, media_type}],
  packages: [.packages[] | {type, name, version, purl, arch, source_name, source_version,
                            licenses, location, layer, found_by, depends, files_count}]
}

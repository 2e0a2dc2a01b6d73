Gem::Specification.new do |s|
  s.name = "q\u{1F600}\x41\\".freeze
  s.version = %q<1.0>
  s.summary = "unterminated
  s.licenses = ["a", %q[b[c]]]
  if x
  if y
  else
  s.add_dependency(%q<d>)
  end
  end
end

hello = Hello { $name }
-brand = NGMO
msg = { -brand } { NUMBER($n) }
    .attr = x
sel = { $n ->
    [one] one
   *[other] many
}
